import { createExtensionTester } from '@backstage/frontend-test-utils';
import { SearchResultListItemBlueprint } from '@backstage/plugin-search-react/alpha';
import type { SearchResult } from '@backstage/plugin-search-common';
import { gitopsSearchResultListItem } from '../../alpha';

const resultOf = (type: string): SearchResult => ({
  type,
  document: { title: 't', text: '', location: '/' },
});

describe('gitopsSearchResultListItem extension', () => {
  it('renders the results of the gitops collator, and only those', async () => {
    const item = createExtensionTester(gitopsSearchResultListItem).get(
      SearchResultListItemBlueprint.dataRefs.item,
    );
    expect(item.predicate?.(resultOf('gitops-application'))).toBe(true);
    expect(item.predicate?.(resultOf('software-catalog'))).toBe(false);
  });
});
