// Federation: role sessions per second from AssumeRoleWithWebIdentity (an unsigned request whose
// OIDC token iamd verifies with the provider's keys, already known: given by the administrator,
// the same code path as fetched-and-cached keys) next to AssumeRole (a signed request), against
// one iamd process (`iamd serve --data-dir :memory:`, one core). Target: ≥ 2,000 sessions/s.
// Run: npm run bench:federation  (bench/results/federation.json)
//
// BENCH_DURATION (s, default 6), BENCH_WARMUP (s, default 2), BENCH_CONNECTIONS (default 16).
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { bestRound, load, ROUNDS, type LoadResult } from './lib/load.ts';
import { ACCOUNT_ID, ROOT, startIamd } from './lib/processes.ts';
import { fmt, isMain, machine, table, writeResult } from './lib/report.ts';
import { API_VERSIONS, call, send, signJson, signQuery, xmlText, type SignedRequest } from './lib/signed.ts';

const DURATION = Number(process.env.BENCH_DURATION ?? 6);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const TARGET_SESSIONS_PER_SECOND = 2000;

const ISSUER = 'https://token.actions.githubusercontent.com';
const PROVIDER_ARN = `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/token.actions.githubusercontent.com`;
const ROLE_ARN = `arn:aws:iam::${ACCOUNT_ID}:role/ci-deploy`;

export interface FederationResult {
  machine: ReturnType<typeof machine>;
  assumeRole: LoadResult;
  webIdentity: LoadResult;
  /** AssumeRoleWithWebIdentity's sessions/s over AssumeRole's. */
  webIdentityOverAssumeRole: number;
  targetSessionsPerSecond: number;
}

async function measure(url: string, requests: SignedRequest[]): Promise<LoadResult> {
  const rounds: LoadResult[] = [];
  for (let i = 0; i < ROUNDS; i++) rounds.push(await load({ url, workload: { requests }, connections: CONNECTIONS, durationS: DURATION, warmupS: WARMUP }));
  return bestRound(rounds);
}

async function main(): Promise<void> {
  const iamd = await startIamd();
  try {
    const url = iamd.url;
    // A GitHub Actions-shaped issuer whose keys the administrator gave iamd (no network in the loop).
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'bench-1', alg: 'RS256', use: 'sig' };
    await call(url, ROOT, 'iam', 'CreateOpenIDConnectProvider', { Url: ISSUER, 'ClientIDList.member.1': 'sts.amazonaws.com' });
    const put = await send(
      url,
      await signJson(url, ROOT, '/iamd/oidc-providers/keys', { OpenIDConnectProviderArn: PROVIDER_ARN, Jwks: JSON.stringify({ keys: [jwk] }) }, 'PUT'),
    );
    if (put.status !== 200) throw new Error(`PutOpenIDConnectProviderKeys: HTTP ${put.status} ${put.text}`);
    const trust = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: PROVIDER_ARN },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
            StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:octo-org/*' },
          },
        },
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT_ID}:root` }, Action: 'sts:AssumeRole' },
      ],
    };
    await call(url, ROOT, 'iam', 'CreateRole', { RoleName: 'ci-deploy', AssumeRolePolicyDocument: JSON.stringify(trust) });
    // AssumeRole's caller: a user allowed to assume the role, with a key.
    await call(url, ROOT, 'iam', 'CreateUser', { UserName: 'deployer' });
    await call(url, ROOT, 'iam', 'PutUserPolicy', {
      UserName: 'deployer',
      PolicyName: 'assume',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: ROLE_ARN }] }),
    });
    const keyXml = await call(url, ROOT, 'iam', 'CreateAccessKey', { UserName: 'deployer' });
    const deployer = { accessKeyId: xmlText(keyXml, 'AccessKeyId')!, secretAccessKey: xmlText(keyXml, 'SecretAccessKey')! };

    const now = Math.floor(Date.now() / 1000);
    const tokens = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        new SignJWT({ repository: `octo-org/repo-${i}`, ref: 'refs/heads/main' })
          .setProtectedHeader({ alg: 'RS256', kid: 'bench-1', typ: 'JWT' })
          .setIssuer(ISSUER)
          .setAudience('sts.amazonaws.com')
          .setSubject(`repo:octo-org/repo-${i}:ref:refs/heads/main`)
          .setIssuedAt(now)
          .setExpirationTime(now + 3600)
          .sign(privateKey),
      ),
    );
    const host = new URL(url).host;
    const webIdentity: SignedRequest[] = tokens.map((token, i) => ({
      method: 'POST',
      path: '/',
      headers: { host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: new URLSearchParams({
        Action: 'AssumeRoleWithWebIdentity',
        Version: API_VERSIONS.sts,
        RoleArn: ROLE_ARN,
        RoleSessionName: `run-${i}`,
        WebIdentityToken: token,
      }).toString(),
    }));
    const assumeRole = await Promise.all(
      Array.from({ length: 200 }, (_, i) => signQuery(url, deployer, 'sts', 'AssumeRole', { RoleArn: ROLE_ARN, RoleSessionName: `run-${i}` })),
    );
    for (const [what, r] of [
      ['AssumeRoleWithWebIdentity', webIdentity[0]!],
      ['AssumeRole', assumeRole[0]!],
    ] as const) {
      const res = await send(url, r);
      if (res.status !== 200 || !res.text.includes('<SessionToken>')) throw new Error(`${what}: HTTP ${res.status} ${res.text.slice(0, 300)}`);
    }

    // Interleaved, so that the machine's other load colours both alike.
    const ar = await measure(url, assumeRole);
    const wi = await measure(url, webIdentity);
    const result: FederationResult = {
      machine: machine(),
      assumeRole: ar,
      webIdentity: wi,
      webIdentityOverAssumeRole: wi.requestsPerSecond / ar.requestsPerSecond,
      targetSessionsPerSecond: TARGET_SESSIONS_PER_SECOND,
    };
    writeResult('federation', result);
    if (!process.env.BENCH_QUIET) process.stdout.write(`${federationTable(result)}\n`);
  } finally {
    await iamd.stop();
  }
}

export function federationTable(r: FederationResult): string {
  const row = (name: string, x: LoadResult) => [name, fmt.int(x.requestsPerSecond), fmt.ms(x.p50Ms), fmt.ms(x.p99Ms), String(x.non2xx + x.errors)];
  return [
    '### Federation: role sessions per second (one iamd process)',
    '',
    table([
      ['request', 'sessions/s', 'p50', 'p99', 'failed'],
      row('AssumeRole (signed)', r.assumeRole),
      row('AssumeRoleWithWebIdentity (keys known)', r.webIdentity),
    ]),
    '',
    `AssumeRoleWithWebIdentity / AssumeRole: ${r.webIdentityOverAssumeRole.toFixed(2)}× · target ≥ ${fmt.int(r.targetSessionsPerSecond)} sessions/s: ${r.webIdentity.requestsPerSecond >= r.targetSessionsPerSecond ? 'met' : 'missed'}`,
  ].join('\n');
}

if (isMain(import.meta.url)) await main();
