import { checkCheckoutSize } from './checkCheckoutSize';
import { RenderLimitError } from '../render/renderLimits';

const limits = { maxRepositoryBytes: 1000, maxFiles: 2 };
const sha = 'a'.repeat(40);

describe('checkCheckoutSize', () => {
  it('counts the files and bytes Git lists', async () => {
    const listing = (sizes: number[]) => async () =>
      sizes.map((size, i) => `100644 blob ${sha} ${size}\tf${i}\0`).join('');
    await expect(
      checkCheckoutSize(listing([10, 20]), sha, undefined, limits),
    ).resolves.toBeUndefined();
    await expect(
      checkCheckoutSize(listing([1, 1, 1]), sha, 'app', limits),
    ).rejects.toThrow(
      /The checkout of app at aaaaaaa holds 3 files, over the limit of 2/,
    );
    await expect(
      checkCheckoutSize(listing([600, 600]), sha, undefined, limits),
    ).rejects.toThrow(/holds 1200 bytes, over the limit of 1000/);
  });

  it('takes a listing longer than Git may print as too many files', async () => {
    const overflowing = async () => {
      throw Object.assign(new Error('git ls-tree printed more than 64 bytes'), {
        code: 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER',
      });
    };
    const refusal = checkCheckoutSize(overflowing, sha, undefined, limits);
    await expect(refusal).rejects.toBeInstanceOf(RenderLimitError);
    await expect(refusal).rejects.toThrow(
      /lists more entries than Git may print, over the limit of 2/,
    );
    const broken = async () => {
      throw new Error('fatal: not a tree object');
    };
    await expect(
      checkCheckoutSize(broken, sha, undefined, limits),
    ).rejects.toThrow('fatal: not a tree object');
  });
});
