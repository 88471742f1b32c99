import { expect, it } from 'vitest';
import { synthExample } from './synth';

/**
 * Asset hashes (Lambda zips, the container image tag) change with every runtime edit; they are replaced
 * before snapshotting so the snapshot only changes when the infrastructure does.
 */
function withoutAssetHashes(template: unknown): unknown {
  return JSON.parse(JSON.stringify(template).replace(/[0-9a-f]{64}/g, 'ASSET_HASH'));
}

it('matches the snapshot of the example shop', () => {
  expect(withoutAssetHashes(synthExample().template.toJSON())).toMatchSnapshot();
});
