/**
 * The Action and `sdlc-gate check --format json` give the same verdict JSON,
 * byte for byte, for the same reports and config.
 */
import { describe, expect, it } from '@jest/globals';
import { actionVerdictJson, cliVerdictJson } from './parity.js';
import { FAILING_CONFIG, PASSING_CONFIG, makeWorkspace } from './workspace.js';

const WAIVED = `${FAILING_CONFIG}waivers:
  - id: ternary
    match:
      rule: no-nested-ternary
    reason: formatPrice is rewritten in the next release
    owner: shop-team
    expires: 2999-12-31
`;

describe('the Action and the CLI', () => {
  it.each([
    ['failing gates', FAILING_CONFIG],
    ['passing gates', PASSING_CONFIG],
    ['a waiver', WAIVED],
    ['no config (defaults, the security gate neutral)', undefined],
  ])('give the same verdict JSON: %s', async (_name, config) => {
    const ws = makeWorkspace(config === undefined ? {} : { config });
    const action = await actionVerdictJson(ws);
    const cli = await cliVerdictJson(ws);
    expect(action).toBe(cli);
    const v = JSON.parse(action) as { gates: { id: string; metrics: Record<string, unknown> }[]; base: unknown };
    expect(v.base).toEqual({ ref: ws.baseSha, sha: ws.baseSha });
    expect(v.gates.find((g) => g.id === 'coverage')!.metrics).toMatchObject({ total: 57, covered: 41 });
  }, 60_000);
});
