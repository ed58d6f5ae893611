/** An error answered as a Kubernetes `Status` object. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: Record<string, unknown>,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toStatus(): Record<string, unknown> {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      // Some failures carry no reason (server-side apply's typed-object errors).
      ...(this.reason ? { reason: this.reason } : {}),
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

export function notFound(resource: string, name: string, group = ''): ApiError {
  const qualified = group ? `${resource}.${group}` : resource;
  return new ApiError(404, 'NotFound', `${qualified} "${name}" not found`, {
    name,
    ...(group ? { group } : {}),
    kind: resource,
  });
}

export function alreadyExists(
  resource: string,
  name: string,
  group = '',
): ApiError {
  const qualified = group ? `${resource}.${group}` : resource;
  return new ApiError(
    409,
    'AlreadyExists',
    `${qualified} "${name}" already exists`,
    {
      name,
      ...(group ? { group } : {}),
      kind: resource,
    },
  );
}

export function conflict(
  resource: string,
  name: string,
  why: string,
  group = '',
): ApiError {
  const qualified = group ? `${resource}.${group}` : resource;
  return new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualified} "${name}": ${why}`,
    { name, ...(group ? { group } : {}), kind: resource },
  );
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

export type FieldCause = { field: string; message: string; reason?: string };

export function invalid(
  kind: string,
  name: string,
  causes: FieldCause[],
  group = '',
): ApiError {
  const qualified = group ? `${kind}.${group}` : kind;
  const text = causes.map(c => `${c.field}: ${c.message}`).join(', ');
  return new ApiError(
    422,
    'Invalid',
    `${qualified} "${name}" is invalid: ${
      causes.length > 1 ? `[${text}]` : text
    }`,
    {
      name,
      ...(group ? { group } : {}),
      kind,
      causes: causes.map(c => ({
        reason: c.reason ?? 'FieldValueInvalid',
        message: c.message,
        field: c.field,
      })),
    },
  );
}

export function forbidden(
  message: string,
  details?: Record<string, unknown>,
): ApiError {
  return new ApiError(403, 'Forbidden', message, details);
}

export function methodNotAllowed(message: string): ApiError {
  return new ApiError(405, 'MethodNotAllowed', message);
}

export function gone(message: string): ApiError {
  return new ApiError(410, 'Expired', message);
}
