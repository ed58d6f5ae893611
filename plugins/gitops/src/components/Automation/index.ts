export { AutomationNotice } from './AutomationNotice';
export { ResumeButton } from './ResumeButton';
export { SuspendButton } from './SuspendButton';
