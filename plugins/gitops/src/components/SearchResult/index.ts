export { GitopsSearchResultListItem } from './GitopsSearchResultListItem';
