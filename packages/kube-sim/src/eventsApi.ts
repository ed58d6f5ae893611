import { KubeObject } from './types';

/**
 * `events.k8s.io/v1` Events are the core `v1` Events seen through another
 * schema, as in Kubernetes: one storage, two representations. These convert
 * between them the way Kubernetes' conversion functions do.
 */

/** A core v1 Event as an events.k8s.io/v1 Event. */
export function toEventsV1(core: KubeObject): KubeObject {
  const {
    apiVersion: _apiVersion,
    kind: _kind,
    metadata,
    involvedObject,
    message,
    reportingComponent,
    source,
    firstTimestamp,
    lastTimestamp,
    count,
    ...rest
  } = core;
  const out: KubeObject = {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata,
    ...rest,
  };
  if (involvedObject !== undefined) out.regarding = involvedObject;
  if (message !== undefined) out.note = message;
  if (reportingComponent !== undefined)
    out.reportingController = reportingComponent;
  out.deprecatedSource = source ?? {};
  out.deprecatedFirstTimestamp = firstTimestamp ?? null;
  out.deprecatedLastTimestamp = lastTimestamp ?? null;
  if (count !== undefined) out.deprecatedCount = count;
  if (out.eventTime === undefined) out.eventTime = null;
  return out;
}

/** An events.k8s.io/v1 Event as the core v1 Event it is stored as. */
export function fromEventsV1(event: KubeObject): KubeObject {
  const {
    apiVersion: _apiVersion,
    kind: _kind,
    metadata,
    regarding,
    note,
    reportingController,
    deprecatedSource,
    deprecatedFirstTimestamp,
    deprecatedLastTimestamp,
    deprecatedCount,
    ...rest
  } = event;
  const out: KubeObject = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: metadata ?? {},
    ...rest,
  };
  if (regarding !== undefined) out.involvedObject = regarding;
  if (note !== undefined) out.message = note;
  if (reportingController !== undefined)
    out.reportingComponent = reportingController;
  if (deprecatedSource !== undefined) out.source = deprecatedSource;
  if (deprecatedFirstTimestamp !== undefined)
    out.firstTimestamp = deprecatedFirstTimestamp;
  if (deprecatedLastTimestamp !== undefined)
    out.lastTimestamp = deprecatedLastTimestamp;
  if (deprecatedCount !== undefined) out.count = deprecatedCount;
  return out;
}

/**
 * Field selector labels of Events (core or events.k8s.io/v1) as paths of the
 * stored core Event: `source` is its component, `regarding.*` its
 * involvedObject, `reportingController` its reportingComponent.
 */
export function eventFieldLabel(label: string): string {
  if (label === 'source') return 'source.component';
  if (label.startsWith('regarding.'))
    return `involvedObject.${label.slice('regarding.'.length)}`;
  if (label === 'reportingController') return 'reportingComponent';
  if (label === 'note') return 'message';
  return label;
}
