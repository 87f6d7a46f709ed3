// The foot of the sidebar: who is signed in, and signing in or out (a local server has no accounts).
import { Link, useNavigate } from "react-router-dom";
import { useAuth, useSession } from "./api";
import "./auth.css";

export function AccountBox() {
  const auth = useAuth();
  const { signOut } = useSession();
  const navigate = useNavigate();
  if (!auth.data?.auth) return <div className="sidebar-foot">local store</div>;
  const { user } = auth.data;
  if (!user) {
    return (
      <div className="sidebar-foot account">
        <span className="account-name">Not signed in</span>
        <Link to="/signin" className="account-action">
          Sign in
        </Link>
      </div>
    );
  }
  return (
    <div className="sidebar-foot account">
      <span className="account-name" title={user.is_admin ? `${user.name} (admin)` : user.name}>
        <span className="account-avatar" aria-hidden="true">
          {user.name.slice(0, 1).toUpperCase()}
        </span>
        <span data-testid="signed-in-user">{user.name}</span>
        {user.is_admin && <span className="account-badge">admin</span>}
      </span>
      <button
        type="button"
        className="account-action"
        disabled={signOut.isPending}
        onClick={() => signOut.mutate(undefined, { onSuccess: () => navigate("/") })}
      >
        Sign out
      </button>
    </div>
  );
}
