import { createInterface } from "node:readline";
import { loadConfigFile, newMasterToken, writeMasterToken } from "../config";
import { isWellFormedToken } from "../lib/token-format";

export interface CliIO {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  out: (text: string) => void;
  err: (text: string) => void;
}

const PROMPT = "Enter new token (must start with 'lightd_' and be at least 20 characters):";
const INVALID = "✗ Invalid token: it must start with 'lightd_' and be at least 20 characters (no spaces).";

/** `lightd --token what|reset|set`, with the outputs documented for the daemon. Returns the exit code. */
export async function runTokenCommand(
  action: "what" | "reset" | "set",
  configPath: string,
  io: CliIO,
): Promise<number> {
  const { config } = loadConfigFile(configPath, { persist: false });
  if (action === "what") {
    io.out(`Current Token: ${config.authorization.token}\n`);
    return 0;
  }
  if (action === "reset") {
    const token = newMasterToken();
    writeMasterToken(configPath, token);
    io.out(
      `✓ Token reset successfully!\nNew Token: ${token}\n\n⚠️  Warning: The old token is now invalid.\n   Update your applications with the new token.\n`,
    );
    return 0;
  }
  const token = io.stdin.isTTY ? await promptForToken(io) : await readOneLine(io.stdin);
  if (token === null) {
    io.err("✗ No token given; config.json is unchanged.\n");
    return 1;
  }
  if (!isWellFormedToken(token)) {
    io.err(`${INVALID}\n`);
    return 1;
  }
  writeMasterToken(configPath, token);
  io.out(`\n✓ Token set successfully!\nNew Token: ${token}\n`);
  return 0;
}

/** Interactive prompt on a terminal: asks again until the token is valid; null on end of input. */
async function promptForToken(io: CliIO): Promise<string | null> {
  const rl = createInterface({
    input: io.stdin,
    output: process.stdout,
    terminal: true,
  });
  try {
    io.out(`${PROMPT}\n`);
    for (;;) {
      const answer = await new Promise<string | null>((resolve) => {
        rl.once("close", () => resolve(null));
        rl.question("> ", (line) => resolve(line));
      });
      if (answer === null) return null;
      const token = answer.trim();
      if (isWellFormedToken(token)) return token;
      io.err(`${INVALID}\n`);
    }
  } finally {
    rl.close();
  }
}

/** Reads the first line of a piped stdin (scripts: `echo lightd_… | lightd --token set`). */
async function readOneLine(stdin: NodeJS.ReadableStream): Promise<string | null> {
  const rl = createInterface({ input: stdin, terminal: false });
  try {
    for await (const line of rl) return line.trim();
    return null;
  } finally {
    rl.close();
  }
}
