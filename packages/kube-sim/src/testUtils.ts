/**
 * Waits until `condition` holds, checking it every `intervalMs`; fails after
 * `timeoutMs` so a test that never sees what it waits for says so.
 */
export async function waitFor(
  condition: () => boolean,
  timeoutMs = 20_000,
  intervalMs = 20,
): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs)
      throw new Error('timed out waiting for the condition');
    await new Promise(resolve => setTimeout(resolve, intervalMs));
  }
}
