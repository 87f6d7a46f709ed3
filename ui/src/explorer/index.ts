// The table explorer, for any page that shows a table: the panel, its state and its URL codec.

export type { SourceRef } from "./api";
export type { ExplorerState } from "./state";
export { DEFAULT_STATE, stateFromJSON, stateFromParams, stateToJSON, stateToParams } from "./state";
export type { ExplorerSource, TableExplorerProps } from "./TableExplorer";
export { TableExplorer } from "./TableExplorer";
export { useUrlExplorerState } from "./useUrlState";
