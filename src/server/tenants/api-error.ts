/** An answer the API gives on purpose: an HTTP status and the `detail` its JSON body carries. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(detail);
  }
}
