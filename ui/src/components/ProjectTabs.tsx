// Runs / Artifacts / Reports switcher shown in the header of a project's pages.
import { Link, NavLink } from "react-router-dom";
import "../artifacts/artifacts.css";

export function ProjectTabs({ project, active }: { project: string; active: "runs" | "artifacts" | "reports" }) {
  const base = `/projects/${encodeURIComponent(project)}`;
  const items = [
    { key: "runs", label: "Runs", to: base },
    { key: "artifacts", label: "Artifacts", to: `${base}/artifacts` },
    { key: "reports", label: "Reports", to: `${base}/reports` },
  ] as const;
  return (
    <nav className="tabs project-tabs" aria-label="Project sections">
      {items.map((item) => (
        <Link
          key={item.key}
          to={item.to}
          className={`tab${item.key === active ? " active" : ""}`}
          aria-current={item.key === active ? "page" : undefined}
        >
          {item.label}
        </Link>
      ))}
    </nav>
  );
}

/** The sections of the open project, listed under it in the sidebar. */
export function ProjectSections({ project }: { project: string }) {
  const base = `/projects/${encodeURIComponent(project)}`;
  const items = [
    { label: "Artifacts", to: `${base}/artifacts` },
    { label: "Evaluation", to: `${base}/evaluation` },
    { label: "Reports", to: `${base}/reports` },
  ];
  return (
    <div className="nav-sections">
      {items.map((item) => (
        <NavLink key={item.label} to={item.to} className="nav-item nav-section">
          {item.label}
        </NavLink>
      ))}
    </div>
  );
}
