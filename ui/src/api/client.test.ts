import { describe, expect, it } from "vitest";
import { ApiError, isNotFound, unwrap } from "./client";

const answer = (status: number, statusText = "") => new Response(null, { status, statusText });

function failure(run: () => unknown): ApiError {
  try {
    run();
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error("expected an ApiError");
}

describe("unwrap", () => {
  it("returns the data of a success, and nothing for a 204", () => {
    expect(unwrap({ data: { id: "r1" }, response: answer(200) })).toEqual({ id: "r1" });
    expect(unwrap({ data: undefined, response: answer(204) })).toBeUndefined();
  });

  it("raises the server's error body, with the place of a query mistake", () => {
    const body = { error: { type: "QueryError", message: "unknown column 'gues'", field: "filter", position: 7 } };
    const error = failure(() => unwrap({ error: body, response: answer(400, "Bad Request") }));
    expect(error.status).toBe(400);
    expect(error.type).toBe("QueryError");
    expect(error.message).toBe("unknown column 'gues'");
    expect(error.field).toBe("filter");
    expect(error.position).toBe(7);
  });

  it("names the HTTP status when the body is not the API's error shape", () => {
    const error = failure(() => unwrap({ error: "<html>bad gateway</html>", response: answer(502, "Bad Gateway") }));
    expect(error.message).toBe("502 Bad Gateway");
    expect(error.type).toBe("HTTPError");
    expect([error.field, error.position]).toEqual([null, null]);
  });

  it("tells a 404 from other failures", () => {
    const missing = failure(() =>
      unwrap({ error: { error: { type: "NotFound", message: "no run x" } }, response: answer(404) }),
    );
    expect(isNotFound(missing)).toBe(true);
    expect(isNotFound(ApiError.from(new Error("network down")))).toBe(false);
    expect(ApiError.from(new Error("network down")).message).toBe("network down");
  });
});
