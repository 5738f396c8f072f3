package io.igdstream.schemas;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * Reassembles the snapshots of one model from the records of {ns}.snapshots, in any order and with
 * duplicates (at-least-once delivery, replays). {@link #accept(SnapshotHeader)} and {@link
 * #accept(SnapshotChunk)} return the snapshot when its header and every chunk are present and the
 * payload's SHA-256 matches the header; an incomplete or corrupted snapshot is never returned.
 *
 * <p>Records of another model, and of versions at or below the newest assembled one, are ignored: a
 * follower only ever moves forward. At most {@code maxPendingVersions} incomplete versions are
 * kept, each at most {@code maxSnapshotBytes}; a new version evicts the one fed least recently (an
 * abandoned one, e.g. from a trainer that died mid-publish). Not the lowest version: chunks of
 * versions far ahead whose header never comes would then be kept for good and every later snapshot,
 * being older, turned away. Evicted versions, and incomplete ones a newer complete snapshot
 * supersedes, are listed by {@link #drainAbandoned} for dead-lettering. Records that cannot belong
 * to a valid snapshot are rejected with a {@link RecordDecodingException} (BAD_CHUNK or OVERSIZE),
 * to be dead-lettered; a version whose payload fails its digest is discarded and rejected the same
 * way. Not thread-safe: one per stream.
 */
public final class SnapshotAssembler {

  /** Default bound of a snapshot: 1 GiB. */
  public static final long DEFAULT_MAX_SNAPSHOT_BYTES = 1L << 30;

  private final String modelId;
  private final long maxSnapshotBytes;
  private final int maxPendingVersions;
  private final TreeMap<Long, Pending> pending = new TreeMap<>();
  private long newest = -1;
  private long fed;
  private final List<Abandoned> abandoned = new ArrayList<>();

  /**
   * An incomplete version given up on (evicted to make room for another, or superseded by a newer
   * complete snapshot): its records can never make a snapshot now, so a follower dead-letters them
   * rather than dropping them silently.
   *
   * @param chunks chunks it had received
   * @param chunkCount chunks it needed (0 if none had said)
   * @param hadHeader whether its header had arrived
   */
  public record Abandoned(long version, int chunks, int chunkCount, boolean hadHeader) {}

  /**
   * An assembler of {@code modelId}'s snapshots with the default bounds (1 GiB, 2 pending
   * versions).
   */
  public SnapshotAssembler(String modelId) {
    this(modelId, DEFAULT_MAX_SNAPSHOT_BYTES, 2);
  }

  public SnapshotAssembler(String modelId, long maxSnapshotBytes, int maxPendingVersions) {
    this.modelId = Objects.requireNonNull(modelId, "modelId");
    if (maxSnapshotBytes < 1 || maxSnapshotBytes > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          "maxSnapshotBytes must be in [1, "
              + (Integer.MAX_VALUE - 8)
              + "] (one array), was "
              + maxSnapshotBytes);
    }
    if (maxPendingVersions < 1) {
      throw new IllegalArgumentException(
          "maxPendingVersions must be >= 1, was " + maxPendingVersions);
    }
    this.maxSnapshotBytes = maxSnapshotBytes;
    this.maxPendingVersions = maxPendingVersions;
  }

  /** The version of the newest snapshot returned so far. */
  public OptionalLong newestVersion() {
    return newest < 0 ? OptionalLong.empty() : OptionalLong.of(newest);
  }

  /** The versions given up on since the last call, in the order they were; clears the list. */
  public List<Abandoned> drainAbandoned() {
    List<Abandoned> out = List.copyOf(abandoned);
    abandoned.clear();
    return out;
  }

  /** Whether {@code version} is started but not complete (nor abandoned). */
  public boolean isPending(long version) {
    return pending.containsKey(version);
  }

  /** Versions started but not complete. */
  public int pendingVersions() {
    return pending.size();
  }

  /**
   * Takes a header.
   *
   * @return the snapshot, if this header completed it
   * @throws RecordDecodingException BAD_CHUNK for a header that contradicts an earlier header or
   *     the chunks of its version, or for a digest mismatch; OVERSIZE above the size bound
   */
  public Optional<AssembledSnapshot> accept(SnapshotHeader header) {
    if (!header.getModelId().equals(modelId) || header.getVersion() <= newest) {
      return Optional.empty();
    }
    Validators.validate(header, maxSnapshotBytes);
    Pending p = pendingFor(header.getVersion());
    if (p.header != null) {
      if (!p.header.equals(header)) {
        throw badChunk(
            "a second, different header for " + name(header.getVersion()) + "; keeping the first");
      }
      return Optional.empty();
    }
    if (p.chunkCount != 0 && p.chunkCount != header.getChunkCount()) {
      throw badChunk(
          "header of "
              + name(header.getVersion())
              + " says "
              + header.getChunkCount()
              + " chunks, its chunks say "
              + p.chunkCount);
    }
    if (p.bytes > header.getTotalBytes()) {
      throw badChunk(
          "header of "
              + name(header.getVersion())
              + " says "
              + header.getTotalBytes()
              + " bytes, its chunks hold "
              + p.bytes
              + " already");
    }
    p.header = header;
    p.chunkCount = header.getChunkCount();
    return completeIfReady(header.getVersion(), p);
  }

  /**
   * Takes a chunk.
   *
   * @return the snapshot, if this chunk completed it
   * @throws RecordDecodingException BAD_CHUNK for a chunk that cannot belong to its version (index
   *     out of range, other chunk count, a different duplicate, more bytes than the header says) or
   *     for a digest mismatch; OVERSIZE above the size bound
   */
  public Optional<AssembledSnapshot> accept(SnapshotChunk chunk) {
    if (!chunk.getModelId().equals(modelId) || chunk.getVersion() <= newest) {
      return Optional.empty();
    }
    Validators.validate(chunk, (int) Math.min(Integer.MAX_VALUE, maxSnapshotBytes));
    long version = chunk.getVersion();
    Pending p = pendingFor(version);
    if (p.chunkCount != 0 && p.chunkCount != chunk.getChunkCount()) {
      throw badChunk(
          "chunk "
              + chunk.getIndex()
              + " of "
              + name(version)
              + " says "
              + chunk.getChunkCount()
              + " chunks, expected "
              + p.chunkCount);
    }
    byte[] data = bytes(chunk.getData());
    byte[] earlier = p.chunks.get(chunk.getIndex());
    if (earlier != null) {
      if (!MessageDigest.isEqual(earlier, data)) {
        throw badChunk(
            "a second, different chunk "
                + chunk.getIndex()
                + " of "
                + name(version)
                + "; keeping the first");
      }
      return Optional.empty();
    }
    long limit = p.header != null ? p.header.getTotalBytes() : maxSnapshotBytes;
    if (p.bytes + data.length > limit) {
      throw p.header != null
          ? badChunk("chunks of " + name(version) + " exceed the header's " + limit + " bytes")
          : new RecordDecodingException(
              ReasonCode.OVERSIZE,
              "chunks of " + name(version) + " exceed the limit of " + limit + " bytes");
    }
    p.chunkCount = chunk.getChunkCount();
    p.chunks.put(chunk.getIndex(), data);
    p.bytes += data.length;
    return completeIfReady(version, p);
  }

  /** The state of that version, new if need be (evicting the least recently fed one if full). */
  private Pending pendingFor(long version) {
    Pending p = pending.get(version);
    if (p == null) {
      while (pending.size() >= maxPendingVersions) {
        long victim =
            Collections.min(pending.entrySet(), Comparator.comparingLong(e -> e.getValue().lastFed))
                .getKey();
        Pending gone = pending.remove(victim);
        abandoned.add(
            new Abandoned(victim, gone.chunks.size(), gone.chunkCount, gone.header != null));
      }
      p = new Pending();
      pending.put(version, p);
    }
    p.lastFed = ++fed;
    return p;
  }

  private Optional<AssembledSnapshot> completeIfReady(long version, Pending p) {
    if (p.header == null || p.chunks.size() < p.chunkCount) {
      return Optional.empty();
    }
    pending.remove(version);
    if (p.bytes != p.header.getTotalBytes()) {
      throw badChunk(
          name(version)
              + " has "
              + p.bytes
              + " bytes, its header says "
              + p.header.getTotalBytes()
              + "; discarded");
    }
    byte[] payload = new byte[(int) p.bytes];
    int at = 0;
    for (byte[] piece : p.chunks.values()) {
      System.arraycopy(piece, 0, payload, at, piece.length);
      at += piece.length;
    }
    if (!MessageDigest.isEqual(SnapshotChunks.sha256(payload), p.header.getSha256().bytes())) {
      throw badChunk(name(version) + " does not match its SHA-256; discarded");
    }
    newest = version;
    pending
        .headMap(version, false)
        .forEach(
            (v, older) ->
                abandoned.add(
                    new Abandoned(v, older.chunks.size(), older.chunkCount, older.header != null)));
    pending.headMap(version, true).clear();
    return Optional.of(new AssembledSnapshot(p.header, payload));
  }

  private String name(long version) {
    return "snapshot " + modelId + " v" + version;
  }

  private static byte[] bytes(ByteBuffer buffer) {
    ByteBuffer b = buffer.duplicate();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  private static RecordDecodingException badChunk(String message) {
    return new RecordDecodingException(ReasonCode.BAD_CHUNK, message);
  }

  /** An incomplete version: its header once seen, its chunks by index, when it was last fed. */
  private static final class Pending {
    long lastFed;
    SnapshotHeader header;
    int chunkCount;
    long bytes;
    final Map<Integer, byte[]> chunks = new TreeMap<>();
  }
}
