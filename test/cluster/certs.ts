import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface Identity {
  cert: string;
  key: string;
}

export interface TestPki {
  ca: string;
  server: Identity;
  /** One client certificate per name; the name is the certificate's CN (the broker username). */
  client(name: string): Identity;
}

const openssl = (args: string[]) => execFileSync("openssl", args, { stdio: "pipe" });

/**
 * A throwaway CA, a server certificate for 127.0.0.1 and client certificates, made with the
 * system's openssl. Files are world-readable: Mosquitto drops privileges before reading them.
 */
export function makeTestPki(dir: string): TestPki {
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  const ca = join(dir, "ca.pem");
  const caKey = join(dir, "ca.key");
  openssl([
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "2",
    "-subj",
    "/CN=labelgate test CA",
    "-keyout",
    caKey,
    "-out",
    ca,
  ]);
  const issue = (name: string, cn: string, ext: string): Identity => {
    const key = join(dir, `${name}.key`);
    const csr = join(dir, `${name}.csr`);
    const cert = join(dir, `${name}.pem`);
    const extFile = join(dir, `${name}.ext`);
    writeFileSync(extFile, ext);
    openssl([
      "req",
      "-new",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-subj",
      `/CN=${cn}`,
      "-keyout",
      key,
      "-out",
      csr,
    ]);
    openssl([
      "x509",
      "-req",
      "-in",
      csr,
      "-CA",
      ca,
      "-CAkey",
      caKey,
      "-CAcreateserial",
      "-days",
      "2",
      "-extfile",
      extFile,
      "-out",
      cert,
    ]);
    for (const f of [key, cert, ca]) chmodSync(f, 0o644);
    return { cert, key };
  };
  const server = issue(
    "server",
    "127.0.0.1",
    "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
  );
  return {
    ca,
    server,
    client: (name) => issue(`client-${name}`, name, "extendedKeyUsage=clientAuth\n"),
  };
}
