import { Link } from "react-router-dom";
import { type ApiError, isNotFound } from "../api/client";

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <div className="page-state" role="status">
      <div className="spinner" /> {label}
    </div>
  );
}

export function NotFound({ message }: { message: string }) {
  return (
    <div className="page-state not-found">
      <div className="not-found-code">404</div>
      <h1>Not found</h1>
      <p>{message}</p>
      <Link to="/" className="button">
        Back to projects
      </Link>
    </div>
  );
}

/** What a failed request shows: a 404 page for unknown things, the server's message otherwise. */
export function ErrorState({ error }: { error: unknown }) {
  if (isNotFound(error)) return <NotFound message={(error as ApiError).message} />;
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div className="page-state error-state" role="alert">
      <h1>Something went wrong</h1>
      <p>{message}</p>
    </div>
  );
}
