import { ResponseError } from '@backstage/errors';

/** An error explained for people: what failed and what to do. */
export interface ErrorDescription {
  title: string;
  message: string;
  /** What the user can do about it. */
  hint?: string;
}

function statusOf(error: Error): number | undefined {
  if (error instanceof ResponseError || error.name === 'ResponseError') {
    return (error as ResponseError).statusCode;
  }
  return undefined;
}

function backendMessage(error: Error): string {
  if (error instanceof ResponseError) {
    return error.body?.error?.message || error.message;
  }
  return error.message;
}

/**
 * Explains a failed request of the Mooring API. `subject` names what was being read or
 * done, e.g. `the deployments of component:default/payments`.
 */
export function describeError(error: Error, subject: string): ErrorDescription {
  const status = statusOf(error);
  if (status === undefined) {
    if (error.name === 'TypeError' || /fetch|network/i.test(error.message)) {
      return {
        title: 'Mooring backend unreachable',
        message: `Could not load ${subject}: the Backstage backend did not answer (${error.message}).`,
        hint: 'Check your connection, or ask your Backstage admins whether the backend is running. Mooring retries on its own.',
      };
    }
    return {
      title: 'Something went wrong',
      message: `Could not load ${subject}: ${error.message}`,
    };
  }
  const detail = backendMessage(error);
  switch (status) {
    case 400:
      return {
        title: 'Invalid request',
        message: `Mooring refused a request for ${subject}: ${detail}`,
        hint: 'Check the mooring.dev/* annotations of this component.',
      };
    case 401:
      return {
        title: 'Not signed in',
        message: `Could not load ${subject}: your session has expired.`,
        hint: 'Reload the page to sign in again.',
      };
    case 403:
      return {
        title: 'Permission denied',
        message: `You may not access ${subject}: ${detail}`,
        hint: 'Ask the owners of this component for access.',
      };
    case 404:
      return {
        title: 'Not found',
        message: `Mooring does not know ${subject}: ${detail}`,
        hint: 'If the component was just onboarded, wait for the catalog to process it; otherwise check that the Mooring backend plugin is installed.',
      };
    case 409:
      return {
        title: 'A sync is already running',
        message: `${detail}`,
        hint: 'Wait for the running operation to finish, then try again.',
      };
    case 502:
    case 503:
    case 504:
      return {
        title: 'Mooring backend unreachable',
        message: `Could not load ${subject}: the backend answered ${status} (${detail}).`,
        hint: 'The backend may be restarting. Mooring retries on its own; if it lasts, ask your Backstage admins.',
      };
    default:
      return {
        title: `Request failed (${status})`,
        message: `Could not load ${subject}: ${detail}`,
      };
  }
}
