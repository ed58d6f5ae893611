export { CommitLink } from './CommitLink';
export { CommitAuthor } from './CommitAuthor';
export { parseCommitAuthor, normalizeEmail } from './commitAuthor';
export { useCatalogUsersByEmail } from './useCatalogUsersByEmail';
