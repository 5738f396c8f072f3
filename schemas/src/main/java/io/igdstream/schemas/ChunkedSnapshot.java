package io.igdstream.schemas;

import java.util.List;

/**
 * A snapshot ready to publish: its header and its chunks in index order. Publish them to
 * {ns}.snapshots under one key (the model id), so they stay in one partition.
 */
public record ChunkedSnapshot(SnapshotHeader header, List<SnapshotChunk> chunks) {

  public ChunkedSnapshot {
    chunks = List.copyOf(chunks);
  }
}
