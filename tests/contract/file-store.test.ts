// The store contract against the file store.
import path from 'node:path';
import { openFileStore, tempDir } from '../support/helpers.js';
import { leaseContract } from './lease-contract.js';
import { storeContract } from './store-contract.js';

describe('store contract: file store', () => {
  storeContract({
    fresh: async () => path.join(await tempDir(), 'sequences.json'),
    open: (file, env = {}, opts = {}) => openFileStore(file, env, opts),
  });
  describe('leases', () => {
    leaseContract({
      fresh: async () => path.join(await tempDir(), 'sequences.json'),
      open: (file, env = {}, opts = {}) => openFileStore(file, env, opts),
    });
  });
});
