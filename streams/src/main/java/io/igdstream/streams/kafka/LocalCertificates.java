package io.igdstream.streams.kafka;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away certificate authority and a broker certificate for 127.0.0.1, made at run time with
 * the JDK's {@code keytool} (no dependency, nothing committed): for the secured in-process broker
 * of the tests. Elliptic-curve keys (P-256), valid for two days.
 *
 * @param dir where the files are
 * @param caCertificate the CA's certificate (PEM): a client's {@code ssl.truststore.location} with
 *     {@code ssl.truststore.type = PEM}
 * @param brokerKeystore the broker's key and certificate chain (PKCS12)
 * @param storePassword the keystore's password (random)
 */
public record LocalCertificates(
    Path dir, Path caCertificate, Path brokerKeystore, String storePassword) {

  private static final long KEYTOOL_SECONDS = 120;

  /**
   * Makes a CA called {@code caName} in {@code dir} and, if {@code withBroker}, a broker
   * certificate for 127.0.0.1 and localhost signed by it.
   */
  public static LocalCertificates make(Path dir, String caName, boolean withBroker)
      throws IOException, InterruptedException {
    Files.createDirectories(dir);
    byte[] b = new byte[16];
    new SecureRandom().nextBytes(b);
    String pw = HexFormat.of().formatHex(b);
    Path ca = dir.resolve("ca.p12");
    Path caCrt = dir.resolve("ca.crt");
    keytool(
        "-genkeypair",
        "-alias",
        "ca",
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-dname",
        "CN=" + caName,
        "-ext",
        "bc:c",
        "-validity",
        "2",
        "-keystore",
        ca.toString(),
        "-storetype",
        "PKCS12",
        "-storepass",
        pw);
    keytool(
        "-exportcert",
        "-rfc",
        "-alias",
        "ca",
        "-keystore",
        ca.toString(),
        "-storepass",
        pw,
        "-file",
        caCrt.toString());
    Path broker = dir.resolve("broker.p12");
    if (withBroker) {
      Path csr = dir.resolve("broker.csr");
      Path crt = dir.resolve("broker.crt");
      keytool(
          "-genkeypair",
          "-alias",
          "broker",
          "-keyalg",
          "EC",
          "-groupname",
          "secp256r1",
          "-dname",
          "CN=127.0.0.1",
          "-validity",
          "2",
          "-keystore",
          broker.toString(),
          "-storetype",
          "PKCS12",
          "-storepass",
          pw);
      keytool(
          "-certreq",
          "-alias",
          "broker",
          "-keystore",
          broker.toString(),
          "-storepass",
          pw,
          "-file",
          csr.toString());
      keytool(
          "-gencert",
          "-rfc",
          "-alias",
          "ca",
          "-keystore",
          ca.toString(),
          "-storepass",
          pw,
          "-infile",
          csr.toString(),
          "-outfile",
          crt.toString(),
          "-validity",
          "2",
          "-ext",
          "san=ip:127.0.0.1,dns:localhost");
      keytool(
          "-importcert",
          "-noprompt",
          "-alias",
          "ca",
          "-keystore",
          broker.toString(),
          "-storepass",
          pw,
          "-file",
          caCrt.toString());
      keytool(
          "-importcert",
          "-alias",
          "broker",
          "-keystore",
          broker.toString(),
          "-storepass",
          pw,
          "-file",
          crt.toString());
    }
    return new LocalCertificates(dir, caCrt, broker, pw);
  }

  private static void keytool(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(KEYTOOL_SECONDS, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("keytool " + args[0] + " did not finish");
    }
    if (p.exitValue() != 0) {
      // keytool's output names the problem, never the password (it is an argument)
      throw new IOException(
          "keytool " + args[0] + " failed: " + new String(out, StandardCharsets.UTF_8).strip());
    }
  }
}
