// Developer tool, not a benchmark of record: the authorization API's input decoding in one process,
// the JSON body decoded straight against the model (src/actions/model/decode-json.ts) next to the
// path it replaced (flattened into Query-style parameters by toParamsFor, then decoded), rounds
// interleaved, for Authorize's body and BatchAuthorize's (30 questions).
//
//   node --import tsx bench/decode-bench.ts        # BENCH_ROUNDS (5), BENCH_ITERATIONS (20,000)
import { decodeInput } from '../src/actions/model/decode-input.ts';
import { decodeJson } from '../src/actions/model/decode-json.ts';
import { toParamsFor } from '../src/actions/model/flatten-params.ts';
import { iamdModel } from '../src/actions/model/service-model.ts';
import { signEmbedded } from './lib/signed.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 20_000);
const order = (id: number) => `arn:aws:orders:eu-west-1:123456789012:order/${id}`;

const embedded = await signEmbedded(
  { accessKeyId: 'AKIAEXAMPLEALICE0001', secretAccessKey: 'secret' },
  {
    service: 'orders',
    region: 'eu-west-1',
    host: 'orders.internal:8080',
    method: 'POST',
    path: '/orders/1000/cancel',
    body: '{"reason":"customer asked"}',
    sourceIp: '10.1.0.1',
  },
);
const one = { Request: embedded, Action: 'orders:CancelOrder', Resource: order(1000), Context: { 'orders:Amount': ['42'] } };
const questions: object[] = [];
for (const id of [1000, 2000, 13, 3000, 4000]) {
  questions.push(
    { Action: 'orders:GetOrder', Resource: order(id) },
    { Action: 'orders:CancelOrder', Resource: order(id), Context: { 'orders:Amount': ['42'] } },
    { Action: 'orders:Refund', Resource: order(id), Context: { 'orders:Amount': ['42'] } },
    { Action: 'orders:UpdateOrder', Resource: order(id), Context: { 'orders:Channel': ['web'] } },
    { Action: 'orders:DeleteOrder', Resource: order(id) },
    { Action: 'orders:ApproveOrder', Resource: order(id) },
  );
}
const batch = { Request: embedded, Requests: questions };

const ways = {
  'toParamsFor + decodeInput': (shape: string, v: Record<string, unknown>) => decodeInput(iamdModel, shape, toParamsFor(iamdModel, shape, v)),
  decodeJson: (shape: string, v: Record<string, unknown>) => decodeJson(iamdModel, shape, v),
};

for (const [row, shape, value] of [
  ['Authorize', 'AuthorizeRequest', one],
  ['BatchAuthorize (30)', 'BatchAuthorizeRequest', batch],
] as const) {
  const best = new Map<string, number>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, decode] of Object.entries(ways)) {
      const n = row === 'Authorize' ? ITERATIONS : ITERATIONS / 10;
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) decode(shape, value as Record<string, unknown>);
      const us = Number(process.hrtime.bigint() - t0) / 1000 / n;
      best.set(name, Math.min(best.get(name) ?? Infinity, us));
    }
  }
  for (const [name, us] of best) console.log(`${row.padEnd(20)} ${name.padEnd(28)} ${us.toFixed(2)} µs (best of ${ROUNDS} rounds)`);
}
