// `iamd oidc-provider put-keys|delete-keys`: give an IAM OIDC provider its JWK Set directly (for an
// issuer iamd cannot reach, such as an air-gapped Kubernetes cluster), or forget it so that iamd
// fetches the keys again. Signed with the operator's AWS credentials from the environment, over
// iamd's JSON API (PUT/DELETE /iamd/oidc-providers/keys).
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { credentialsFromEnv, endpointFromEnv, IamdClient } from './workload-client.ts';

const PATH = '/iamd/oidc-providers/keys';

export interface ProviderKeysView {
  OpenIDConnectProviderArn: string;
  KeyCount: number;
  KeyIds: string[];
}

export class OidcProviderKeysClient {
  constructor(private readonly client: IamdClient) {}

  /** Gives the provider these keys (the JSON text of a JWK Set), replacing any given before. */
  put(arn: string, jwks: string): Promise<ProviderKeysView> {
    return this.client.request<ProviderKeysView>('PUT', PATH, { OpenIDConnectProviderArn: arn, Jwks: jwks });
  }

  /** Forgets the keys given: iamd fetches the provider's JWKS again. */
  async delete(arn: string): Promise<void> {
    await this.client.request('DELETE', PATH, undefined, { OpenIDConnectProviderArn: arn });
  }
}

function keysClient(endpoint?: string): OidcProviderKeysClient {
  if (!process.env.AWS_ACCESS_KEY_ID || !process.env.AWS_SECRET_ACCESS_KEY) {
    throw new Error("set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to credentials allowed iamd:*OpenIDConnectProviderKeys on the provider's ARN");
  }
  return new OidcProviderKeysClient(new IamdClient(endpointFromEnv(process.env, endpoint), credentialsFromEnv(process.env)));
}

/** The `oidc-provider` command group, made once whoever adds to it first. */
export function oidcProviderCommand(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === 'oidc-provider') ??
    program.command('oidc-provider').description('IAM OIDC identity providers: what iamd adds to the IAM API')
  );
}

export function addOidcProviderKeyCommands(program: Command): void {
  const group = oidcProviderCommand(program);
  group
    .command('put-keys')
    .description("give a provider its JWK Set (public RSA/EC keys): iamd verifies its tokens with them and never fetches the provider's keys")
    .requiredOption('--arn <arn>', "the provider's ARN (arn:aws:iam::ACCOUNT:oidc-provider/HOST/PATH)")
    .requiredOption('--file <path>', 'the JWK Set as JSON, e.g. from `kubectl get --raw /openid/v1/jwks` (- reads standard input)')
    .option('--endpoint <url>', 'the iamd endpoint (IAMD_ENDPOINT or AWS_ENDPOINT_URL)')
    .action(async (flags: { arn: string; file: string; endpoint?: string }) => {
      const text = readFileSync(flags.file === '-' ? 0 : flags.file, 'utf8');
      const r = await keysClient(flags.endpoint).put(flags.arn, text);
      const ids = r.KeyIds.length > 0 ? ` (${r.KeyIds.join(', ')})` : '';
      process.stdout.write(`${r.OpenIDConnectProviderArn}: ${r.KeyCount} ${r.KeyCount === 1 ? 'key' : 'keys'}${ids}\n`);
    });
  group
    .command('delete-keys')
    .description("forget the keys given with put-keys: iamd fetches the provider's JWKS again")
    .requiredOption('--arn <arn>', "the provider's ARN")
    .option('--endpoint <url>', 'the iamd endpoint')
    .action(async (flags: { arn: string; endpoint?: string }) => {
      await keysClient(flags.endpoint).delete(flags.arn);
      process.stdout.write(`${flags.arn}: keys deleted; iamd fetches them from the provider\n`);
    });
}
