package io.igdstream.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.SplittableRandom;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

/** Snapshot chunking: reassembly in any order, and never an incomplete or corrupted payload. */
class SnapshotChunksTest {

  private static final String MODEL = "igd-small-cnn";

  private static byte[] payload(int n, long seed) {
    byte[] b = new byte[n];
    new SplittableRandom(seed).nextBytes(b);
    return b;
  }

  /** What feeding the records in order gave: the snapshots returned and the codes of rejections. */
  private record Fed(List<AssembledSnapshot> snapshots, List<ReasonCode> rejections) {}

  private static Fed feed(SnapshotAssembler assembler, List<? extends SpecificRecord> records) {
    List<AssembledSnapshot> out = new ArrayList<>();
    List<ReasonCode> rejected = new ArrayList<>();
    for (SpecificRecord r : records) {
      try {
        Optional<AssembledSnapshot> s =
            r instanceof SnapshotHeader h
                ? assembler.accept(h)
                : assembler.accept((SnapshotChunk) r);
        s.ifPresent(out::add);
      } catch (RecordDecodingException e) {
        rejected.add(e.reason());
      }
    }
    return new Fed(out, rejected);
  }

  private static List<SpecificRecord> records(ChunkedSnapshot s) {
    List<SpecificRecord> all = new ArrayList<>(s.chunks());
    all.add(s.header());
    return all;
  }

  @Test
  void splitCutsFixedSizeChunksInOrderWithTheDigest() {
    byte[] p = payload(10_000, 1);
    ChunkedSnapshot s = SnapshotChunks.split(p, 4096, Fixtures.info(5));
    assertEquals(3, s.header().getChunkCount());
    assertEquals(10_000, s.header().getTotalBytes());
    assertArrayEquals(SnapshotChunks.sha256(p), s.header().getSha256().bytes());
    assertEquals(
        List.of(4096, 4096, 1808), s.chunks().stream().map(c -> c.getData().remaining()).toList());
    assertEquals(List.of(0, 1, 2), s.chunks().stream().map(SnapshotChunk::getIndex).toList());
    assertEquals("1200", s.header().getMetadata().get("step"));
    assertEquals(1, SnapshotChunks.split(p, 10_000, Fixtures.info(5)).chunks().size());
    assertThrows(
        IllegalArgumentException.class,
        () -> SnapshotChunks.split(new byte[0], 10, Fixtures.info(5)));
    assertThrows(
        IllegalArgumentException.class, () -> SnapshotChunks.split(p, 0, Fixtures.info(5)));
  }

  @Test
  void reassemblesInShuffledOrderWithDuplicatesExactlyOnce() {
    byte[] p = payload(100_003, 2);
    ChunkedSnapshot s = SnapshotChunks.split(p, 1000, Fixtures.info(5));
    for (long seed = 0; seed < 5; seed++) {
      List<SpecificRecord> all = records(s);
      Random r = new Random(seed);
      for (int i = 0; i < 40; i++) {
        all.add(all.get(r.nextInt(all.size())));
      }
      Collections.shuffle(all, r);
      Fed fed = feed(new SnapshotAssembler(MODEL), all);
      assertEquals(List.of(), fed.rejections());
      assertEquals(1, fed.snapshots().size(), "seed " + seed);
      assertArrayEquals(p, fed.snapshots().get(0).payload());
      assertEquals(s.header(), fed.snapshots().get(0).header());
    }
  }

  @Test
  void chunksThatWentThroughTheCodecReassemble() {
    byte[] p = payload(5000, 3);
    ChunkedSnapshot s = SnapshotChunks.split(p, 512, Fixtures.info(1));
    AvroCodec<SnapshotChunk> chunks = AvroCodec.of(SnapshotChunk.class);
    AvroCodec<SnapshotHeader> headers = AvroCodec.of(SnapshotHeader.class);
    List<SpecificRecord> decoded = new ArrayList<>();
    decoded.add(headers.decode(headers.encode(s.header())));
    s.chunks().forEach(c -> decoded.add(chunks.decode(chunks.encode(c))));
    assertArrayEquals(p, feed(new SnapshotAssembler(MODEL), decoded).snapshots().get(0).payload());
  }

  @Test
  void aMissingChunkGivesNothing() {
    ChunkedSnapshot s = SnapshotChunks.split(payload(10_000, 4), 1000, Fixtures.info(5));
    for (int missing = 0; missing < s.chunks().size(); missing++) {
      List<SpecificRecord> all = records(s);
      all.remove(missing);
      all.addAll(records(s).subList(0, missing)); // duplicates of the others do not make up for it
      SnapshotAssembler assembler = new SnapshotAssembler(MODEL);
      Fed fed = feed(assembler, all);
      assertEquals(List.of(), fed.snapshots(), "chunk " + missing + " missing");
      assertEquals(List.of(), fed.rejections());
      assertEquals(1, assembler.pendingVersions());
    }
    Fed noHeader = feed(new SnapshotAssembler(MODEL), new ArrayList<>(s.chunks()));
    assertEquals(List.of(), noHeader.snapshots());
  }

  @Test
  void aFlippedByteGivesNothingAndIsRejectedAsABadChunk() {
    byte[] p = payload(10_000, 5);
    ChunkedSnapshot s = SnapshotChunks.split(p, 1000, Fixtures.info(5));
    List<SpecificRecord> all = records(s);
    SnapshotChunk victim = s.chunks().get(4);
    byte[] data = Fixtures.bytes(victim.getData());
    data[123] ^= 0x01;
    all.set(4, SnapshotChunk.newBuilder(victim).setData(ByteBuffer.wrap(data)).build());
    SnapshotAssembler assembler = new SnapshotAssembler(MODEL);
    Fed fed = feed(assembler, all);
    assertEquals(List.of(), fed.snapshots());
    assertEquals(List.of(ReasonCode.BAD_CHUNK), fed.rejections());
    assertEquals(0, assembler.pendingVersions(), "the corrupted version is discarded");
    // A clean re-delivery of the whole version then assembles.
    Fed again = feed(assembler, records(s));
    assertArrayEquals(p, again.snapshots().get(0).payload());
  }

  @Test
  void aFlippedDigestGivesNothing() {
    ChunkedSnapshot s = SnapshotChunks.split(payload(3000, 6), 1000, Fixtures.info(5));
    byte[] digest = s.header().getSha256().bytes().clone();
    digest[0] ^= (byte) 0x80;
    List<SpecificRecord> all = new ArrayList<>(s.chunks());
    all.add(SnapshotHeader.newBuilder(s.header()).setSha256(new Sha256(digest)).build());
    Fed fed = feed(new SnapshotAssembler(MODEL), all);
    assertEquals(List.of(), fed.snapshots());
    assertEquals(List.of(ReasonCode.BAD_CHUNK), fed.rejections());
  }

  @Test
  void aHeaderForAnotherVersionIsIgnored() {
    byte[] p = payload(10_000, 7);
    ChunkedSnapshot v5 = SnapshotChunks.split(p, 1000, Fixtures.info(5));
    ChunkedSnapshot v6 = SnapshotChunks.split(p, 1000, Fixtures.info(6));
    SnapshotAssembler assembler = new SnapshotAssembler(MODEL);
    List<SpecificRecord> all = new ArrayList<>(v5.chunks());
    all.add(v6.header());
    Fed fed = feed(assembler, all);
    assertEquals(List.of(), fed.snapshots(), "v6's header does not complete v5");
    assertEquals(List.of(), fed.rejections());
    Fed withItsOwn = feed(assembler, List.of(v5.header()));
    assertEquals(5, withItsOwn.snapshots().get(0).header().getVersion());
    assertArrayEquals(p, withItsOwn.snapshots().get(0).payload());
  }

  @Test
  void anotherModelAndOlderVersionsAreIgnored() {
    byte[] p = payload(4000, 8);
    SnapshotAssembler assembler = new SnapshotAssembler(MODEL);
    SnapshotInfo other =
        new SnapshotInfo("teacher", 9, "small-cnn", 1, 28, 28, 10, 0L, java.util.Map.of());
    assertEquals(
        List.of(), feed(assembler, records(SnapshotChunks.split(p, 1000, other))).snapshots());
    assertEquals(
        7,
        feed(assembler, records(SnapshotChunks.split(p, 1000, Fixtures.info(7))))
            .snapshots()
            .get(0)
            .header()
            .getVersion());
    Fed older = feed(assembler, records(SnapshotChunks.split(p, 1000, Fixtures.info(6))));
    assertEquals(List.of(), older.snapshots());
    Fed replay = feed(assembler, records(SnapshotChunks.split(p, 1000, Fixtures.info(7))));
    assertEquals(List.of(), replay.snapshots(), "a version is returned once");
    assertEquals(7, assembler.newestVersion().getAsLong());
    assertEquals(0, assembler.pendingVersions());
  }

  @Test
  void abandonedVersionsAreEvictedLeastRecentlyFedFirst() {
    byte[] p = payload(3000, 9);
    SnapshotAssembler assembler = new SnapshotAssembler(MODEL, 1 << 20, 2);
    ChunkedSnapshot v1 = SnapshotChunks.split(p, 1000, Fixtures.info(1));
    ChunkedSnapshot v2 = SnapshotChunks.split(p, 1000, Fixtures.info(2));
    ChunkedSnapshot v3 = SnapshotChunks.split(p, 1000, Fixtures.info(3));
    feed(assembler, List.of(v1.chunks().get(0), v2.chunks().get(0), v3.chunks().get(0)));
    assertEquals(2, assembler.pendingVersions());
    assertEquals(
        List.of(),
        feed(assembler, records(v1).subList(1, 4)).snapshots(),
        "v1 was evicted: it never completes");
    assertEquals(2, assembler.pendingVersions());
    assertEquals(3, feed(assembler, records(v3)).snapshots().get(0).header().getVersion());

    ChunkedSnapshot v4 = SnapshotChunks.split(p, 1000, Fixtures.info(4));
    ChunkedSnapshot v5 = SnapshotChunks.split(p, 1000, Fixtures.info(5));
    ChunkedSnapshot v6 = SnapshotChunks.split(p, 1000, Fixtures.info(6));
    feed(
        assembler,
        List.of(v4.chunks().get(0), v5.chunks().get(0), v4.chunks().get(1), v6.chunks().get(0)));
    assertEquals(
        4,
        feed(assembler, records(v4).subList(2, 4)).snapshots().get(0).header().getVersion(),
        "v5, fed less recently than v4, was evicted, not the lower v4");
  }

  @Test
  void evictedAndSupersededIncompleteVersionsAreReportedOnceForDeadLettering() {
    byte[] p = payload(3000, 11);
    SnapshotAssembler assembler = new SnapshotAssembler(MODEL, 1 << 20, 2);
    ChunkedSnapshot v1 = SnapshotChunks.split(p, 1000, Fixtures.info(1));
    ChunkedSnapshot v2 = SnapshotChunks.split(p, 1000, Fixtures.info(2));
    ChunkedSnapshot v9 = SnapshotChunks.split(p, 1000, Fixtures.info(9));
    feed(assembler, List.of(v1.chunks().get(0), v1.chunks().get(1), v9.chunks().get(2)));
    assertEquals(List.of(), assembler.drainAbandoned(), "nothing given up yet");

    feed(assembler, List.of(v2.chunks().get(0))); // full: v1, fed least recently, is evicted
    assertEquals(
        List.of(new SnapshotAssembler.Abandoned(1, 2, 3, false)), assembler.drainAbandoned());
    assertEquals(List.of(), assembler.drainAbandoned(), "drained once");

    assertEquals(
        1,
        feed(assembler, records(v9))
            .snapshots()
            .size()); // v9 completes: the older v2 is superseded
    assertEquals(
        List.of(new SnapshotAssembler.Abandoned(2, 1, 3, false)), assembler.drainAbandoned());
    assertEquals(0, assembler.pendingVersions());
  }

  @Test
  void chunksOfVersionsFarAheadWhoseHeaderNeverComesDoNotBlockLaterSnapshots() {
    byte[] p = payload(3000, 13);
    SnapshotAssembler assembler = new SnapshotAssembler(MODEL, 1 << 20, 2);
    ChunkedSnapshot orphanA = SnapshotChunks.split(p, 1000, Fixtures.info(1_000_000));
    ChunkedSnapshot orphanB = SnapshotChunks.split(p, 1000, Fixtures.info(1_000_001));
    feed(assembler, List.of(orphanA.chunks().get(0), orphanB.chunks().get(1)));
    for (long v = 1; v <= 3; v++) {
      Fed fed = feed(assembler, records(SnapshotChunks.split(p, 1000, Fixtures.info(v))));
      assertEquals(
          List.of(v), fed.snapshots().stream().map(s -> s.header().getVersion()).toList(), "v" + v);
    }
    assertTrue(assembler.pendingVersions() <= 2);
  }

  @Test
  void inconsistentRecordsAreRejectedAndNeverAssembled() {
    byte[] p = payload(3000, 10);
    ChunkedSnapshot s = SnapshotChunks.split(p, 1000, Fixtures.info(4));
    SnapshotAssembler assembler = new SnapshotAssembler(MODEL);
    SnapshotChunk wrongCount = SnapshotChunk.newBuilder(s.chunks().get(1)).setChunkCount(4).build();
    SnapshotChunk conflicting =
        SnapshotChunk.newBuilder(s.chunks().get(0))
            .setData(ByteBuffer.wrap(payload(1000, 11)))
            .build();
    SnapshotHeader otherHeader =
        SnapshotHeader.newBuilder(s.header()).setArchitecture("preact-resnet18").build();
    Fed fed =
        feed(
            assembler,
            List.of(s.chunks().get(0), wrongCount, conflicting, s.header(), otherHeader));
    assertEquals(
        List.of(ReasonCode.BAD_CHUNK, ReasonCode.BAD_CHUNK, ReasonCode.BAD_CHUNK),
        fed.rejections());
    assertEquals(List.of(), fed.snapshots());
    assertArrayEquals(
        p,
        feed(assembler, s.chunks()).snapshots().get(0).payload(),
        "the consistent records still assemble");
  }

  @Test
  void snapshotsAboveTheBoundAreOversize() {
    ChunkedSnapshot s = SnapshotChunks.split(payload(3000, 12), 1000, Fixtures.info(4));
    SnapshotAssembler assembler = new SnapshotAssembler(MODEL, 2500, 2);
    Fed fed = feed(assembler, records(s));
    assertEquals(List.of(), fed.snapshots());
    assertTrue(fed.rejections().contains(ReasonCode.OVERSIZE), fed.rejections().toString());
  }
}
