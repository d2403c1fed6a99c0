// A refusal whose message says what to change: the CLI prints it as it is (exit code 1), without a stack.
/** A request refused for a reason the person can fix; the message is the whole report. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
