/** Another user already has this username or phone. */
export class UserConflictError extends Error {
  override name = 'UserConflictError';
  constructor(readonly field: 'username' | 'phone') {
    super(`another user already has this ${field}`);
  }
}

/** A field the store refuses to keep, with a message a person can act on. */
export class InvalidUserError extends Error {
  override name = 'InvalidUserError';
  constructor(
    readonly field: 'username' | 'phone' | 'password' | 'attributes' | 'user',
    message: string,
  ) {
    super(message);
  }
}
