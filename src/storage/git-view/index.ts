// A repository's git directory as isomorphic-git reads and writes it (see view.ts).
export { GitView, openGitView, viewMountPoint, PENDING_GRACE_MS, type GitViewOptions } from './view';
export { MAX_VIEW_OBJECT_BYTES } from './objects-view';
export { looseStored, looseSize, parseLoose } from './loose';
export { dropViewData, viewDir } from './pending';
