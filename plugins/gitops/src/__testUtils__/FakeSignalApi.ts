import type { SignalApi } from '@backstage/plugin-signals-react';

/** Backstage signals for tests: `publish` delivers one message to every subscriber. */
export class FakeSignalApi implements SignalApi {
  private readonly subscribers = new Map<string, Set<(message: any) => void>>();

  subscribe(channel: string, onMessage: (message: any) => void) {
    const set = this.subscribers.get(channel) ?? new Set();
    set.add(onMessage);
    this.subscribers.set(channel, set);
    return { unsubscribe: () => set.delete(onMessage) };
  }

  /** Delivers the same object to all, as the signals client does. */
  publish(channel: string, message: Record<string, unknown>) {
    for (const onMessage of this.subscribers.get(channel) ?? []) {
      onMessage(message);
    }
  }

  subscriberCount(channel: string) {
    return this.subscribers.get(channel)?.size ?? 0;
  }
}
