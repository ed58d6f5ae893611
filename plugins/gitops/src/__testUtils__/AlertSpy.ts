import type { AlertApi, AlertMessage } from '@backstage/core-plugin-api';

/** An AlertApi that keeps what components post, for tests to read. */
export class AlertSpy implements AlertApi {
  readonly messages: AlertMessage[] = [];

  post(message: AlertMessage) {
    this.messages.push(message);
  }

  alert$(): ReturnType<AlertApi['alert$']> {
    throw new Error('AlertSpy keeps the posted alerts in .messages');
  }
}
