// Root hooks shared by every test file.
import { removeTempDirs } from './helpers.js';

after(async () => {
  await removeTempDirs();
});
