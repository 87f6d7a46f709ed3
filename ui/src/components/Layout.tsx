import { Link, NavLink, Outlet, useMatch } from "react-router-dom";
import { AccountBox } from "../auth/AccountBox";
import { AuthGate } from "../auth/AuthGate";
import { useProjects } from "../runs/api";
import { ProjectSections } from "./ProjectTabs";

function Logo() {
  return (
    <Link to="/" className="brand" aria-label="heron home">
      <svg width="26" height="26" viewBox="0 0 32 32" aria-hidden="true">
        <rect width="32" height="32" rx="8" fill="var(--accent)" />
        <path d="M9 23V9h3v5.5h8V9h3v14h-3v-5.5h-8V23z" fill="white" />
      </svg>
      <span>heron</span>
    </Link>
  );
}

/** The frame of every page: a sidebar with the projects, and the page itself. */
export function Layout() {
  const projects = useProjects();
  const inProject = useMatch("/projects/:project/*");
  const current = inProject?.params.project;
  return (
    <div className="app">
      <aside className="sidebar">
        <Logo />
        <nav>
          <NavLink to="/" end className="nav-item">
            <span className="nav-icon">▦</span> Projects
          </NavLink>
          <div className="nav-heading">Projects</div>
          {projects.data?.map((project) => (
            <div key={project.name}>
              <NavLink
                to={`/projects/${encodeURIComponent(project.name)}`}
                className={() => `nav-item nav-project${project.name === current ? " active" : ""}`}
              >
                <span className="nav-dot" />
                <span className="nav-label">{project.name}</span>
                <span className="nav-count">{project.runs}</span>
              </NavLink>
              {project.name === current && <ProjectSections project={project.name} />}
            </div>
          ))}
          {projects.data?.length === 0 && <div className="nav-empty">No projects yet</div>}
        </nav>
        <AccountBox />
      </aside>
      <main className="main">
        <AuthGate>
          <Outlet />
        </AuthGate>
      </main>
    </div>
  );
}
