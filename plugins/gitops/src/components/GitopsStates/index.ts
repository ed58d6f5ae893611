export { NotOnboarded } from './NotOnboarded';
export { AnnotationErrors } from './AnnotationErrors';
export { ErrorMessage } from './ErrorMessage';
export { ApplicationsGate } from './ApplicationsGate';
