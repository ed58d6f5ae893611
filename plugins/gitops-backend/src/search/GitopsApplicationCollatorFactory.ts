import { Readable } from 'node:stream';
import type {
  AuthService,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import { ResponseError } from '@backstage/errors';
import { catalogEntityReadPermission } from '@backstage/plugin-catalog-common/alpha';
import type { DocumentCollatorFactory } from '@backstage/plugin-search-common';
import type {
  Application,
  ApplicationListResponse,
} from '@mooring/plugin-gitops-common';
import { MAX_PAGE_SIZE } from '../service/applicationListing';
import {
  applicationDocument,
  GITOPS_APPLICATION_DOCUMENT_TYPE,
  GitopsApplicationDocument,
} from './applicationDocument';

/** Options of {@link GitopsApplicationCollatorFactory}. */
export interface GitopsApplicationCollatorFactoryOptions {
  discovery: Pick<DiscoveryService, 'getBaseUrl'>;
  auth: Pick<AuthService, 'getOwnServiceCredentials' | 'getPluginRequestToken'>;
  /** Applications asked for per request (1..500); default 500. */
  pageSize?: number;
}

/**
 * Collates every Mooring application into the search index, one document
 * each, read over the gitops REST API page by page, so a fleet of thousands
 * streams into the index without being held at once.
 *
 * Search shows a document only to those who may read its entity in the
 * catalog (`catalog.entity.read` on `authorization.resourceRef`), as the
 * catalog's own documents, so an entity hidden from someone hides its
 * deployments too. Search takes one permission per document type; the
 * default policy lets everyone read applications.
 */
export class GitopsApplicationCollatorFactory
  implements DocumentCollatorFactory
{
  readonly type = GITOPS_APPLICATION_DOCUMENT_TYPE;
  readonly visibilityPermission = catalogEntityReadPermission;
  private readonly pageSize: number;

  constructor(
    private readonly options: GitopsApplicationCollatorFactoryOptions,
  ) {
    this.pageSize = options.pageSize ?? MAX_PAGE_SIZE;
  }

  async getCollator(): Promise<Readable> {
    return Readable.from(this.execute());
  }

  async *execute(): AsyncGenerator<GitopsApplicationDocument> {
    const baseUrl = await this.options.discovery.getBaseUrl('gitops');
    let cursor: string | undefined;
    do {
      const page = await this.fetchPage(baseUrl, cursor);
      for (const app of page.items) {
        yield applicationDocument(app);
      }
      if (page.nextCursor !== undefined && page.nextCursor === cursor) {
        throw new Error(
          `The gitops API answered ${baseUrl}/applications with the cursor it was given; stopped collating to avoid a loop`,
        );
      }
      cursor = page.nextCursor;
    } while (cursor);
  }

  private async fetchPage(
    baseUrl: string,
    cursor: string | undefined,
  ): Promise<{ items: Application[]; nextCursor?: string }> {
    const { auth } = this.options;
    // A token per page: a long collation outlives a single token.
    const { token } = await auth.getPluginRequestToken({
      onBehalfOf: await auth.getOwnServiceCredentials(),
      targetPluginId: 'gitops',
    });
    const query = new URLSearchParams({ limit: String(this.pageSize) });
    if (cursor) query.set('cursor', cursor);
    const response = await fetch(`${baseUrl}/applications?${query}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    const body = (await response.json()) as ApplicationListResponse;
    if (!Array.isArray(body?.items)) {
      throw new Error(
        `The gitops API answered ${baseUrl}/applications without an items list`,
      );
    }
    return body;
  }
}
