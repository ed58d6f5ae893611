export { ResourceDetailsDrawer } from './ResourceDetailsDrawer';
