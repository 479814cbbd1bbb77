// Runs iamd as a separate process (the real CLI), for restart and crash tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { ACCOUNT_ID, ROOT_KEY } from './helpers.ts';
import { IAMD } from './iamd-cli.ts';

export interface ChildIamd {
  process: ChildProcess;
  url: string;
  output: () => string;
}

/** `port`: 0 (the default) picks a free one; a node restarted behind a load balancer takes its old one again. */
export function startChild(dataDir: string, env: NodeJS.ProcessEnv = {}, port = 0): Promise<ChildIamd> {
  const child = spawn(process.execPath, [...IAMD, 'serve', '--port', String(port), '--data-dir', dataDir], {
    env: {
      ...process.env,
      IAMD_ACCOUNT_ID: ACCOUNT_ID,
      IAMD_ROOT_ACCESS_KEY_ID: ROOT_KEY.accessKeyId,
      IAMD_ROOT_SECRET_ACCESS_KEY: ROOT_KEY.secretAccessKey,
      IAMD_LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`iamd did not start:\n${out}`)), 20_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /"url":"(https?:\/\/[^"]+)".*"msg":"iamd listening"/.exec(out);
      if (m) {
        clearTimeout(timer);
        // Keep draining the pipes without keeping everything a long run logs.
        child.stdout!.off('data', onData);
        child.stdout!.on('data', (more: Buffer) => (out = (out + more.toString()).slice(-20_000)));
        resolve({ process: child, url: m[1]!, output: () => out }); // the regex's one group
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`iamd exited with ${code}:\n${out}`));
    });
  });
}

export function stopChild(child: ChildIamd, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  return new Promise((resolve) => {
    if (child.process.exitCode !== null || child.process.signalCode !== null) return resolve();
    child.process.removeAllListeners('exit');
    child.process.once('exit', () => resolve());
    child.process.kill(signal);
  });
}
