import {
  Dirent,
  Stats,
  lstatSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  statSync,
} from 'node:fs';

/**
 * The file-system calls rendering makes on a checkout, with the promise
 * API's shape and errors but answered synchronously. A checkout is on local
 * disk and its files are few and small (their sizes are checked before
 * they are read), so each call takes microseconds, where the promise API's
 * round trip through the thread pool costs a quarter of a millisecond:
 * thousands of applications rendering at once spent most of their time on
 * that hand-over.
 */
export const localFs = {
  async stat(file: string): Promise<Stats> {
    return statSync(file);
  },
  async lstat(file: string): Promise<Stats> {
    return lstatSync(file);
  },
  async realpath(file: string): Promise<string> {
    return realpathSync.native(file);
  },
  async readlink(file: string): Promise<string> {
    return readlinkSync(file);
  },
  async readdir(
    directory: string,
    _options: { withFileTypes: true },
  ): Promise<Dirent[]> {
    return readdirSync(directory, { withFileTypes: true });
  },
  async readFile(file: string, _encoding: 'utf8'): Promise<string> {
    return readFileSync(file, 'utf8');
  },
};
