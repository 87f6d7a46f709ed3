// The table explorer, for any page that shows a table: the panel, its state and its URL codec.
export { TableExplorer } from "./TableExplorer";
export type { ExplorerSource, TableExplorerProps } from "./TableExplorer";
export type { SourceRef } from "./api";
export { DEFAULT_STATE, stateFromJSON, stateFromParams, stateToJSON, stateToParams } from "./state";
export type { ExplorerState } from "./state";
export { useUrlExplorerState } from "./useUrlState";
