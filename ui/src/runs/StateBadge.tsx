export function StateBadge({ state }: { state: string }) {
  return (
    <span className={`state state-${state}`} data-state={state}>
      <span className="state-dot" />
      {state}
    </span>
  );
}
