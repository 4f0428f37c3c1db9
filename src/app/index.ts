/**
 * The Probot app: what the App does with webhooks (handlers.ts) and with the
 * jobs they enqueue (worker.ts). Probot specifics stay in this file and in
 * handlers.ts; the server and the processes (server.ts, serve.ts) load it:
 *
 *   await probot.load((app) => sdlcApp(app, { queue }));
 *   await queue.start(probotProcessor(probot, { appId }));
 */
import type { Probot } from 'probot';
import type { GitHubClient } from '../github/client.js';
import { registerHandlers, type HandlerOptions } from './handlers.js';
import type { JobProcessor, JobQueue } from './jobs.js';
import { createProcessor, type ProcessorOptions } from './worker.js';

export interface SdlcAppOptions extends HandlerOptions {
  queue: JobQueue;
}

/** The app function: subscribes the webhook handlers, which only enqueue jobs. */
export default function sdlcApp(app: Probot, opts: SdlcAppOptions): void {
  registerHandlers(app, opts.queue, opts.now ? { now: opts.now } : {});
}

/** An app function bound to a queue, for `probot.load()` and Probot's `run()`. */
export function appWithQueue(queue: JobQueue, opts: HandlerOptions = {}): (app: Probot) => void {
  return (app) => sdlcApp(app, { ...opts, queue });
}

/** The job processor, with installation clients from a Probot instance (its throttling and retries included). */
export function probotProcessor(probot: Probot, opts: Omit<ProcessorOptions, 'getOctokit'> = {}): JobProcessor {
  return createProcessor({
    ...opts,
    getOctokit: async (installationId: number): Promise<GitHubClient> => probot.auth(installationId),
  });
}

export { createProcessor, registerHandlers };
export type { ProcessorOptions };
