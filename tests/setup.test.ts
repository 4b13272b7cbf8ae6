// Root hooks shared by every test file.
import { removeTempDirs } from './support/helpers.js';

after(async () => {
  await removeTempDirs();
});
