import { Link } from "react-router-dom";
import { ErrorState, Loading } from "../components/PageState";
import { formatAgo, formatTime, plural } from "../lib/format";
import { useProjects } from "./api";

export function ProjectsPage() {
  const projects = useProjects();
  if (projects.isPending) return <Loading />;
  if (projects.isError) return <ErrorState error={projects.error} />;
  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1>Projects</h1>
          <p className="muted">{plural(projects.data.length, "project")} in this store</p>
        </div>
      </header>
      {projects.data.length === 0 ? (
        <div className="empty">
          <h2>No runs logged yet</h2>
          <p>
            Log one with <code>heron.init(project="my-project")</code> and <code>run.log(...)</code>; it shows up here.
          </p>
        </div>
      ) : (
        <table className="data-table projects-table">
          <thead>
            <tr>
              <th>Project</th>
              <th className="num">Runs</th>
              <th className="num">Artifacts</th>
              <th>Last activity</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {projects.data.map((project) => (
              <tr key={project.name}>
                <td>
                  <Link className="strong-link" to={`/projects/${encodeURIComponent(project.name)}`}>
                    {project.name}
                  </Link>
                </td>
                <td className="num">{project.runs}</td>
                <td className="num">{project.artifacts}</td>
                <td title={formatTime(project.last_activity)}>{formatAgo(project.last_activity)}</td>
                <td>{formatTime(project.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
