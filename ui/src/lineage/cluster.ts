// Large fan-outs in a lineage graph, folded into one node with a count until expanded.
import type { LineageEdge, LineageNode } from "../api/client";

export const CLUSTER_MIN = 5;

export interface ClusterNode {
  id: string;
  kind: "cluster";
  memberKind: "run" | "artifact";
  label: string;
  members: LineageNode[];
}

export type ViewNode = LineageNode | ClusterNode;

export interface ClusteredGraph {
  nodes: ViewNode[];
  edges: LineageEdge[];
}

function groupName(node: LineageNode): string {
  return node.kind === "run" ? `run:${node.job_type ?? ""}` : `artifact:${node.type ?? ""}:${node.name ?? ""}`;
}

/**
 * Nodes of one kind and group (runs of a job type, versions of a collection) with the same
 * neighbours are one cluster when there are at least CLUSTER_MIN of them, unless expanded.
 * Start nodes are never folded. Edges are moved onto the cluster and de-duplicated.
 */
export function clusterGraph(
  nodes: readonly LineageNode[],
  edges: readonly LineageEdge[],
  start: readonly string[],
  expanded: ReadonlySet<string>,
  min = CLUSTER_MIN,
): ClusteredGraph {
  const incoming = new Map<string, string[]>();
  const outgoing = new Map<string, string[]>();
  for (const edge of edges) {
    incoming.set(edge.target, [...(incoming.get(edge.target) ?? []), edge.source]);
    outgoing.set(edge.source, [...(outgoing.get(edge.source) ?? []), edge.target]);
  }
  const groups = new Map<string, LineageNode[]>();
  for (const node of nodes) {
    if (start.includes(node.id)) continue;
    const signature = [
      groupName(node),
      [...(incoming.get(node.id) ?? [])].sort().join(","),
      [...(outgoing.get(node.id) ?? [])].sort().join(","),
    ].join("|");
    groups.set(signature, [...(groups.get(signature) ?? []), node]);
  }
  const owner = new Map<string, string>();
  const clusters: ClusterNode[] = [];
  for (const [signature, members] of groups) {
    const id = `cluster:${signature}`;
    const first = members[0];
    if (first === undefined || members.length < min || expanded.has(id)) continue;
    const what =
      first.kind === "run" ? `${first.job_type ?? "other"} runs` : `${first.name ?? first.type ?? "artifact"} versions`;
    clusters.push({ id, kind: "cluster", memberKind: first.kind, label: `${members.length} ${what}`, members });
    for (const member of members) owner.set(member.id, id);
  }
  const mapped = new Map<string, LineageEdge>();
  for (const edge of edges) {
    const source = owner.get(edge.source) ?? edge.source;
    const target = owner.get(edge.target) ?? edge.target;
    mapped.set(`${source}->${target}`, { source, target, kind: edge.kind });
  }
  return { nodes: [...nodes.filter((n) => !owner.has(n.id)), ...clusters], edges: [...mapped.values()] };
}
