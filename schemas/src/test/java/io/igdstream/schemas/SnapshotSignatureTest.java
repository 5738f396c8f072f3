package io.igdstream.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ed25519 snapshot signatures: what is covered, what is refused, and the key files. */
class SnapshotSignatureTest {

  @TempDir Path dir;
  private SnapshotSigner signer;
  private SnapshotVerifier verifier;
  private SnapshotVerifier otherVerifier;

  @BeforeEach
  void keys() throws Exception {
    SnapshotKeys.KeyFiles mine = SnapshotKeys.generate(dir.resolve("mine"));
    SnapshotKeys.KeyFiles other = SnapshotKeys.generate(dir.resolve("other"));
    signer = SnapshotSigner.fromPemFile(mine.privateKey());
    verifier = SnapshotVerifier.fromPemFile(mine.publicKey());
    otherVerifier = SnapshotVerifier.fromPemFile(other.publicKey());
  }

  private static SnapshotHeader header(long version, Map<String, String> metadata) {
    return SnapshotChunks.split(
            new byte[] {1, 2, 3, 4, 5},
            2,
            new SnapshotInfo("m", version, "small-cnn", 1, 28, 28, 10, 1234, metadata))
        .header();
  }

  @Test
  void aSignedHeaderVerifiesWithItsPublicKeyOnly() {
    SnapshotHeader signed = signer.sign(header(3, Map.of("step", "6")));
    assertEquals(Optional.empty(), verifier.refusal(signed));
    assertTrue(
        otherVerifier.refusal(signed).orElseThrow().startsWith("bad-signature: snapshot m v3 does"),
        "another key");
    assertTrue(signed.getMetadata().get(SnapshotSignature.METADATA_KEY).startsWith("ed25519:"));
    assertEquals("6", signed.getMetadata().get("step"), "the other metadata stays");
  }

  @Test
  void anUnsignedHeaderIsRefusedAsUnsigned() {
    assertEquals(
        Optional.of("bad-signature: snapshot m v3 is unsigned and a verify key is configured"),
        verifier.refusal(header(3, Map.of())));
  }

  @Test
  void everyHeaderFieldIsCovered() {
    SnapshotHeader signed = signer.sign(header(3, Map.of("step", "6")));
    SnapshotHeader.Builder b = SnapshotHeader.newBuilder(signed);
    for (SnapshotHeader changed :
        new SnapshotHeader[] {
          SnapshotHeader.newBuilder(signed).setVersion(4).build(), // a replay under a newer version
          SnapshotHeader.newBuilder(signed).setModelId("n").build(),
          SnapshotHeader.newBuilder(signed).setArchitecture("preact-resnet18").build(),
          SnapshotHeader.newBuilder(signed).setClasses(100).build(),
          SnapshotHeader.newBuilder(signed).setChunkCount(2).build(),
          SnapshotHeader.newBuilder(signed).setTotalBytes(6).build(),
          SnapshotHeader.newBuilder(signed)
              .setSha256(new Sha256(SnapshotChunks.sha256(new byte[] {9})))
              .build(),
          SnapshotHeader.newBuilder(signed).setCreatedAtMs(1235).build(),
          b.setMetadata(withEntry(signed, "final", "true")).build()
        }) {
      assertTrue(verifier.refusal(changed).isPresent(), "changed header verified: " + changed);
    }
  }

  @Test
  void theSignedBytesIgnoreMetadataOrderAndTheSignatureItself() {
    Map<String, String> ab = new LinkedHashMap<>();
    ab.put("a", "1");
    ab.put("b", "2");
    Map<String, String> ba = new LinkedHashMap<>();
    ba.put("b", "2");
    ba.put("a", "1");
    assertEquals(
        java.util.HexFormat.of().formatHex(SnapshotSignature.signedBytes(header(1, ab))),
        java.util.HexFormat.of().formatHex(SnapshotSignature.signedBytes(header(1, ba))));
    SnapshotHeader signed = signer.sign(header(1, ab));
    assertEquals(
        java.util.HexFormat.of().formatHex(SnapshotSignature.signedBytes(header(1, ab))),
        java.util.HexFormat.of().formatHex(SnapshotSignature.signedBytes(signed)));
    assertNotEquals(
        java.util.HexFormat.of().formatHex(SnapshotSignature.signedBytes(header(1, ab))),
        java.util.HexFormat.of().formatHex(SnapshotSignature.signedBytes(header(2, ab))));
  }

  @Test
  void aSignedHeaderStillDecodesWithTheShippedSchema() {
    // the signature is a metadata entry: no new schema version, old readers read it as before
    AvroCodec<SnapshotHeader> codec = AvroCodec.of(SnapshotHeader.class);
    SnapshotHeader signed = signer.sign(header(3, Map.of()));
    SnapshotHeader back = codec.decode(codec.encode(signed));
    assertEquals(Optional.empty(), verifier.refusal(back));
    assertEquals(SnapshotHeader.getClassSchema(), codec.schema());
  }

  @Test
  void keyFilesArePemTheSecretOneOwnerOnlyAndNeverOverwritten() throws Exception {
    Path d = dir.resolve("mine");
    String priv = Files.readString(d.resolve(SnapshotKeys.PRIVATE_KEY));
    String pub = Files.readString(d.resolve(SnapshotKeys.PUBLIC_KEY));
    assertTrue(priv.startsWith("-----BEGIN PRIVATE KEY-----\n"), priv.substring(0, 30));
    assertTrue(pub.startsWith("-----BEGIN PUBLIC KEY-----\n"));
    assertEquals(
        "rw-------",
        PosixFilePermissions.toString(
            Files.getPosixFilePermissions(d.resolve(SnapshotKeys.PRIVATE_KEY))));
    assertThrows(FileAlreadyExistsException.class, () -> SnapshotKeys.generate(d));
    assertEquals(priv, Files.readString(d.resolve(SnapshotKeys.PRIVATE_KEY)), "kept");
    String body = priv.lines().filter(l -> !l.startsWith("-----")).findFirst().orElseThrow();
    assertFalse(signer.toString().contains(body), "toString shows no key");
  }

  @Test
  void aWrongKeyFileIsNamedButNotPrinted() throws Exception {
    Path pub = dir.resolve("mine").resolve(SnapshotKeys.PUBLIC_KEY);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> SnapshotSigner.fromPemFile(pub));
    assertTrue(e.getMessage().contains(pub.toString()), e.getMessage());
    Path priv = dir.resolve("mine").resolve(SnapshotKeys.PRIVATE_KEY);
    String body = Files.readString(priv).lines().skip(1).findFirst().orElseThrow();
    IllegalArgumentException f =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                SnapshotVerifier.fromConfig(
                    ConfigFactory.parseMap(Map.of(SnapshotVerifier.CONFIG_KEY, priv.toString()))));
    assertTrue(f.getMessage().startsWith("igd.snapshots.verify-key: "), f.getMessage());
    assertFalse(f.getMessage().contains(body));
  }

  @Test
  void emptyKeysTurnSigningAndVerifyingOff() {
    assertEquals(Optional.empty(), SnapshotSigner.fromConfig(ConfigFactory.load()));
    assertEquals(Optional.empty(), SnapshotVerifier.fromConfig(ConfigFactory.load()));
  }

  private static Map<String, String> withEntry(SnapshotHeader h, String k, String v) {
    Map<String, String> m = new LinkedHashMap<>(h.getMetadata());
    m.put(k, v);
    return m;
  }
}
