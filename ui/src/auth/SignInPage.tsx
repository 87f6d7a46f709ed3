// The sign-in page of a team server: paste an API key (heron users create prints one).
import { type FormEvent, useState } from "react";
import { Link, useNavigate } from "react-router-dom";
import { useAuth, useSession } from "./api";
import "./auth.css";

export function SignInPage({ expired = false }: { expired?: boolean }) {
  const [key, setKey] = useState("");
  const { signIn, signOut } = useSession();
  const auth = useAuth();
  const navigate = useNavigate();
  const publicProjects = auth.data?.projects.length ?? 0;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    signIn.mutate(key, { onSuccess: () => navigate("/") });
  };
  return (
    <div className="sign-in">
      <form className="sign-in-card" onSubmit={submit} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">Sign in to heron</h1>
        <p className="muted">
          {expired ? "Your session has ended. " : ""}Paste your API key. An admin makes one with{" "}
          <code>heron users create NAME</code>.
        </p>
        <label className="sign-in-label" htmlFor="api-key">
          API key
        </label>
        <input
          id="api-key"
          className="search sign-in-key"
          type="password"
          autoComplete="current-password"
          placeholder="heron_…"
          value={key}
          onChange={(event) => setKey(event.target.value)}
        />
        {signIn.isError && (
          <p className="problem" role="alert">
            {signIn.error.message}
          </p>
        )}
        <button type="submit" className="button primary" disabled={!key.trim() || signIn.isPending}>
          {signIn.isPending ? "Signing in…" : "Sign in"}
        </button>
        {expired && (
          <button
            type="button"
            className="sign-in-skip link-button"
            onClick={() => signOut.mutate(undefined, { onSuccess: () => navigate("/") })}
          >
            Continue without signing in
          </button>
        )}
        {publicProjects > 0 && !expired && (
          <Link to="/" className="sign-in-skip">
            Browse {publicProjects === 1 ? "the public project" : `${publicProjects} public projects`} without signing
            in
          </Link>
        )}
      </form>
    </div>
  );
}
