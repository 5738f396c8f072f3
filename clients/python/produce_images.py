#!/usr/bin/env python3
"""Send a dataset to igd-stream: images become ImageSample records on <prefix>.samples.

Reads either a folder of images, one sub-folder per class (as `igd ingest --dataset folder:DIR`
reads it: sorted folder names give the labels; with train/ and test/ sub-folders those are the
splits, otherwise the 6th, 12th, ... file of each class, sorted by name, is held out as test), or a
numpy .npz file with arrays x, y (training split) and optionally x_test, y_test (test split) and
class_names (strings; default "0", "1", ...); x is (N, H, W), (N, C, H, W) or (N, H, W, C) with C in
{1, 3}, uint8 (0..255) or float in [0, 1]; classes = the largest label + 1 (or len(class_names)).

Each record is what `igd ingest` writes: key = the sample id as UTF-8 (train-000000, test-000000,
numbered per split in file order), value = Avro single-object encoding of ImageSample (the bytes
C3 01, the schema's CRC-64-AVRO fingerprint as 8 little-endian bytes, then the Avro binary body
written with python3-avro), pixels as float32 little-endian in [0, 1], shape [C, H, W], no
headers, partitioned by murmur2 of the key as the Java producer does. Ids already on the topic are
skipped, so re-running adds nothing twice. Then the igd-stream roles (augment, corrupt, evaluate,
trainer) read the dataset from the topic.

Debian packages only: python3-confluent-kafka python3-avro python3-numpy python3-pil.

    /usr/bin/python3 produce_images.py --bootstrap-servers 127.0.0.1:9092 --topic-prefix mydata \\
        --folder ~/images
    /usr/bin/python3 produce_images.py --bootstrap-servers 127.0.0.1:9092 --topic-prefix mydata \\
        --npz arrays.npz --dataset my-arrays

Exit status: 0 done, 2 bad input (one line on stderr), 1 Kafka failure.
"""
import argparse
import io
import json
import os
import struct
import sys
import time

# The current ImageSample schema (schemas/src/main/avro/ImageSample.avsc without docs; docs do not
# change the fingerprint). `igd schemas --avsc DIR` writes it; --schema reads such a file instead.
IMAGE_SAMPLE_SCHEMA = {
    "type": "record", "name": "ImageSample", "namespace": "io.igdstream.schemas",
    "fields": [
        {"name": "id", "type": "string"},
        {"name": "split", "type": {"type": "enum", "name": "Split", "symbols": ["TRAIN", "TEST"]}},
        {"name": "label", "type": "int"},
        {"name": "classes", "type": "int"},
        {"name": "image", "type": {"type": "record", "name": "Tensor", "fields": [
            {"name": "shape", "type": {"type": "array", "items": "int"}},
            {"name": "data", "type": "bytes"}]}},
        {"name": "dataset", "type": "string", "default": ""},
        {"name": "class_names", "type": {"type": "array", "items": "string"}, "default": []},
    ],
}

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
HOLDOUT_EVERY = 6  # as igd's ImageFolder: 1 file in 6 of each class is test
DEFAULT_PARTITIONS = 4  # igd.topics.samples.partitions in reference.conf
MAX_MESSAGE_BYTES = 8 * 1024 * 1024  # igd.topics.samples.max-message-bytes

_CRC64_EMPTY = 0xC15D213AA4D7A795
_CRC64_TABLE = []
for _i in range(256):
    _fp = _i
    for _ in range(8):
        _fp = (_fp >> 1) ^ (_CRC64_EMPTY & -(_fp & 1))
    _CRC64_TABLE.append(_fp)


class BadInput(Exception):
    """Input the user must fix: reported as one line, exit status 2."""


def crc64_avro(data):
    """CRC-64-AVRO (the Avro spec's Rabin fingerprint) of bytes."""
    fp = _CRC64_EMPTY
    for b in data:
        fp = (fp >> 8) ^ _CRC64_TABLE[(fp ^ b) & 0xFF]
    return fp


PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}


def canonical_form(schema_json):
    """The Avro spec's Parsing Canonical Form of a schema given as parsed JSON.

    Written here because python3-avro 1.11's canonical_form keeps {"type": "string"} for a string
    with properties (as Java's generated schemas carry "avro.java.string"), which changes the
    fingerprint; the spec, and Java's SchemaNormalization, reduce it to "string".
    """
    seen = set()

    def full_name(node, namespace):
        name = node["name"]
        if "." in name:
            return name, name.rsplit(".", 1)[0]
        ns = node.get("namespace", namespace)
        return (ns + "." + name if ns else name), ns

    def walk(node, namespace):
        if isinstance(node, str):
            if node in PRIMITIVES:
                return json.dumps(node)
            return json.dumps(node if "." in node or not namespace else namespace + "." + node)
        if isinstance(node, list):
            return "[" + ",".join(walk(n, namespace) for n in node) + "]"
        kind = node["type"]
        if kind in PRIMITIVES:
            return json.dumps(kind)
        if kind in ("record", "error", "enum", "fixed"):
            name, ns = full_name(node, namespace)
            if name in seen:
                return json.dumps(name)
            seen.add(name)
            parts = ['"name":' + json.dumps(name), '"type":' + json.dumps(kind)]
            if kind in ("record", "error"):
                parts.append('"fields":[' + ",".join(
                    '{"name":%s,"type":%s}' % (json.dumps(f["name"]), walk(f["type"], ns))
                    for f in node["fields"]) + "]")
            elif kind == "enum":
                parts.append('"symbols":' + json.dumps(node["symbols"], separators=(",", ":")))
            else:
                parts.append('"size":%d' % node["size"])
            return "{" + ",".join(parts) + "}"
        if kind == "array":
            return '{"type":"array","items":%s}' % walk(node["items"], namespace)
        if kind == "map":
            return '{"type":"map","values":%s}' % walk(node["values"], namespace)
        return walk(kind, namespace)  # {"type": "io.x.Name"}: a reference

    return walk(schema_json, "")


def single_object_header(schema_json):
    """C3 01 + the little-endian CRC-64-AVRO fingerprint of the schema's parsing canonical form."""
    return b"\xc3\x01" + struct.pack("<Q", crc64_avro(canonical_form(schema_json).encode("utf-8")))


def sample_id(split, index):
    return ("train-" if split == "TRAIN" else "test-") + "%06d" % index


# --- reading the input ---------------------------------------------------------------------------

def _class_folders(directory):
    names = sorted(n for n in os.listdir(directory)
                   if not n.startswith(".") and os.path.isdir(os.path.join(directory, n)))
    if not names:
        raise BadInput("%s: no class folders (expected one sub-folder of PNG/JPEG images per class)"
                       % directory)
    return names


def _image_files(class_dir):
    files = sorted(n for n in os.listdir(class_dir)
                   if not n.startswith(".") and n.lower().endswith(IMAGE_SUFFIXES)
                   and os.path.isfile(os.path.join(class_dir, n)))
    if not files:
        raise BadInput("%s: empty class folder (no .png, .jpg or .jpeg files)" % class_dir)
    return [os.path.join(class_dir, n) for n in files]


def _decode(path):
    """(grey?, H x W or 3 x H x W uint8 array) of one image file."""
    import numpy as np
    from PIL import Image, UnidentifiedImageError
    try:
        with Image.open(path) as img:
            img.load()
            if img.mode in ("L", "LA", "1"):
                return True, np.asarray(img.convert("L"), dtype=np.uint8)
            if img.mode in ("I;16", "I;16B", "I;16L", "I"):
                a = np.asarray(img, dtype=np.float64)
                top = 65535.0 if img.mode.startswith("I;16") else max(1.0, float(a.max()))
                return True, np.rint(a * 255.0 / top).astype(np.uint8)
            return False, np.asarray(img.convert("RGB"), dtype=np.uint8).transpose(2, 0, 1)
    except (UnidentifiedImageError, OSError, ValueError) as e:
        raise BadInput("%s: unreadable image (%s)" % (path, e))


def read_folder(directory):
    """{"TRAIN": [(pixels CxHxW uint8, label)], "TEST": [...]}, class names, channels, H, W."""
    import numpy as np
    if not os.path.isdir(directory):
        raise BadInput("%s: no such directory" % directory)
    train_dir, test_dir = os.path.join(directory, "train"), os.path.join(directory, "test")
    items = {"TRAIN": [], "TEST": []}
    if os.path.isdir(train_dir) and os.path.isdir(test_dir):
        classes = _class_folders(train_dir)
        if _class_folders(test_dir) != classes:
            raise BadInput("%s: class folders %s differ from train/ %s"
                           % (test_dir, _class_folders(test_dir), classes))
        for label, name in enumerate(classes):
            items["TRAIN"] += [(f, label) for f in _image_files(os.path.join(train_dir, name))]
            items["TEST"] += [(f, label) for f in _image_files(os.path.join(test_dir, name))]
    else:
        classes = _class_folders(directory)
        for label, name in enumerate(classes):
            for i, f in enumerate(_image_files(os.path.join(directory, name))):
                split = "TEST" if i % HOLDOUT_EVERY == HOLDOUT_EVERY - 1 else "TRAIN"
                items[split].append((f, label))
    decoded = {s: [(f, _decode(f), label) for f, label in items[s]] for s in items}
    every = [d for s in ("TRAIN", "TEST") for d in decoded[s]]
    channels = 1 if all(grey for _, (grey, _), _ in every) else 3
    first_file, (_, first), _ = every[0]
    height, width = first.shape[-2:]
    out = {"TRAIN": [], "TEST": []}
    for split in ("TRAIN", "TEST"):
        for f, (grey, a), label in decoded[split]:
            if a.shape[-2:] != (height, width):
                raise BadInput("%s: image is %dx%d (HxW) but %s is %dx%d; resize them to one size"
                               % (f, a.shape[-2], a.shape[-1], os.path.basename(first_file),
                                  height, width))
            if grey:
                a = np.repeat(a[None], channels, axis=0)  # a grey image in an RGB set repeats
            out[split].append((a, label))
    return out, classes, channels, height, width


def _as_chw(x, name, path):
    import numpy as np
    x = np.asarray(x)
    if x.ndim == 3:
        x = x[:, None]
    elif x.ndim == 4 and x.shape[1] not in (1, 3) and x.shape[3] in (1, 3):
        x = x.transpose(0, 3, 1, 2)  # NHWC -> NCHW
    if x.ndim != 4 or x.shape[1] not in (1, 3):
        raise BadInput("%s: %s has shape %s, expected (N, H, W), (N, C, H, W) or (N, H, W, C) "
                       "with C in {1, 3}" % (path, name, list(np.shape(x))))
    if x.dtype == np.uint8:
        return x
    if not np.issubdtype(x.dtype, np.floating):
        raise BadInput("%s: %s has dtype %s, expected uint8 or float" % (path, name, x.dtype))
    if not np.all(np.isfinite(x)) or x.min(initial=0) < 0 or x.max(initial=0) > 1:
        raise BadInput("%s: %s has values outside [0, 1] (or NaN)" % (path, name))
    return x.astype(np.float32)


def read_npz(path):
    """As read_folder, from arrays x, y [, x_test, y_test]."""
    import numpy as np
    if not os.path.isfile(path):
        raise BadInput("%s: no such file" % path)
    try:
        arrays = np.load(path, allow_pickle=False)
        keys = set(arrays.files)
    except (OSError, ValueError) as e:
        raise BadInput("%s: not a numpy .npz file (%s)" % (path, e))
    for k in ("x", "y"):
        if k not in keys:
            raise BadInput("%s: no array '%s' (has %s)" % (path, k, sorted(keys)))
    if ("x_test" in keys) != ("y_test" in keys):
        raise BadInput("%s: x_test and y_test come together" % path)
    splits = {"TRAIN": ("x", "y"), "TEST": ("x_test", "y_test")}
    out, shape, labels_all = {"TRAIN": [], "TEST": []}, None, []
    for split, (xk, yk) in splits.items():
        if xk not in keys:
            continue
        x = _as_chw(arrays[xk], xk, path)
        y = np.asarray(arrays[yk])
        if y.ndim != 1 or y.shape[0] != x.shape[0] or not np.issubdtype(y.dtype, np.integer):
            raise BadInput("%s: %s must be N = %d integer labels, has shape %s dtype %s"
                           % (path, yk, x.shape[0], list(y.shape), y.dtype))
        if shape is not None and x.shape[1:] != shape:
            raise BadInput("%s: %s images are %s, x images are %s"
                           % (path, xk, list(x.shape[1:]), list(shape)))
        shape = x.shape[1:]
        if y.size and y.min() < 0:
            raise BadInput("%s: %s has a negative label %d" % (path, yk, y.min()))
        labels_all.append(y)
        out[split] = list(zip(x, (int(v) for v in y)))
    classes = int(max(int(y.max()) for y in labels_all if y.size) + 1)
    if "class_names" in keys:
        names = [str(n) for n in np.asarray(arrays["class_names"]).reshape(-1)]
        if len(names) < classes:
            raise BadInput("%s: class_names has %d names, the labels need %d"
                           % (path, len(names), classes))
    else:
        names = [str(k) for k in range(classes)]
    if len(names) < 2:
        raise BadInput("%s: labels give %d class, a classifier needs at least 2" % (path, classes))
    return out, names, int(shape[0]), int(shape[1]), int(shape[2])


# --- Kafka -------------------------------------------------------------------------------------

def existing_ids(bootstrap, topic, timeout):
    """Keys already on the topic (none when it does not exist), read without a consumer group."""
    from confluent_kafka import Consumer, KafkaError, TopicPartition
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "produce-images-scan",
                         "enable.auto.commit": False, "enable.partition.eof": True})
    try:
        meta = consumer.list_topics(topic, timeout=timeout)
        t = meta.topics.get(topic)
        if t is None or t.error is not None or not t.partitions:
            return set()
        parts, todo = [], set()
        for p in t.partitions:
            low, high = _watermarks(consumer, TopicPartition(topic, p), timeout)
            if high > low:
                parts.append(TopicPartition(topic, p, low))
                todo.add(p)
        keys = set()
        if not parts:
            return keys
        consumer.assign(parts)
        deadline = time.time() + 10 * timeout
        while todo and time.time() < deadline:
            msg = consumer.poll(1.0)
            if msg is None:
                continue
            if msg.error():
                if msg.error().code() == KafkaError._PARTITION_EOF:
                    todo.discard(msg.partition())
                    continue
                raise RuntimeError(str(msg.error()))
            if msg.key() is not None:
                keys.add(msg.key().decode("utf-8", "replace"))
        return keys
    finally:
        consumer.close()


def _watermarks(consumer, partition, timeout):
    """(low, high) offsets, retrying while a new topic's leaders are still being elected."""
    from confluent_kafka import KafkaError, KafkaException
    transient = {KafkaError.NOT_LEADER_FOR_PARTITION, KafkaError.LEADER_NOT_AVAILABLE,
                 KafkaError.UNKNOWN_TOPIC_OR_PART, KafkaError._TIMED_OUT}
    deadline = time.time() + timeout
    while True:
        try:
            return consumer.get_watermark_offsets(partition, timeout=timeout)
        except KafkaException as e:
            err = e.args[0]
            if time.time() > deadline or not (err.retriable() or err.code() in transient):
                raise
            time.sleep(0.5)


def _await_leaders(admin, topic, timeout):
    """Waits until every partition of a just-created topic has a leader."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        t = admin.list_topics(topic, timeout=timeout).topics.get(topic)
        if (t is not None and t.error is None and t.partitions
                and all(p.leader >= 0 and p.error is None for p in t.partitions.values())):
            return
        time.sleep(0.2)
    raise RuntimeError("topic %s has no leaders after %.0f s" % (topic, timeout))


def ensure_topic(bootstrap, topic, partitions, timeout):
    """Creates the topic with igd-stream's samples settings unless it exists."""
    from confluent_kafka.admin import AdminClient, NewTopic
    admin = AdminClient({"bootstrap.servers": bootstrap})
    if topic in admin.list_topics(timeout=timeout).topics:
        return False
    spec = NewTopic(topic, num_partitions=partitions, replication_factor=-1,
                    config={"retention.ms": "-1", "cleanup.policy": "delete",
                            "max.message.bytes": str(MAX_MESSAGE_BYTES)})
    try:
        admin.create_topics([spec], operation_timeout=timeout)[topic].result(timeout)
    except Exception as e:  # noqa: BLE001 - a concurrent creator is fine
        if "TOPIC_ALREADY_EXISTS" not in str(e):
            raise
    _await_leaders(admin, topic, timeout)
    return True


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="produce_images.py",
        description="Send a folder of images or a numpy .npz to <prefix>.samples as igd-stream "
                    "ImageSample records (what `igd ingest` writes).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1])
    src = parser.add_mutually_exclusive_group(required=True)
    src.add_argument("--folder", metavar="DIR", help="one sub-folder of PNG/JPEG files per class")
    src.add_argument("--npz", metavar="FILE", help=".npz with x, y [, x_test, y_test]")
    parser.add_argument("--bootstrap-servers", metavar="HOST:PORT", default="127.0.0.1:9092",
                        help="Kafka brokers (default %(default)s)")
    parser.add_argument("--topic-prefix", metavar="PREFIX", default="igd",
                        help="records go to PREFIX.samples (default %(default)s)")
    parser.add_argument("--dataset", metavar="NAME", help="name stored in every record (default folder:DIR or "
                                          "npz:FILE, as `igd ingest --dataset` records it)")
    parser.add_argument("--partitions", metavar="N", type=int, default=DEFAULT_PARTITIONS,
                        help="partitions if the topic must be created (default %(default)s)")
    parser.add_argument("--no-create-topic", action="store_true",
                        help="fail instead of creating a missing topic")
    parser.add_argument("--schema", metavar="AVSC",
                        help="ImageSample.avsc to write with (from `igd schemas --avsc DIR`); "
                             "default: the schema built into this script")
    parser.add_argument("--timeout", metavar="SECONDS", type=float, default=30.0,
                        help="seconds to wait for the brokers (default %(default)s)")
    parser.add_argument("--print-header", action="store_true",
                        help="print the single-object header bytes (hex) and exit")
    args = parser.parse_args(argv)

    try:
        import avro.io
        import avro.schema
        schema_json = IMAGE_SAMPLE_SCHEMA
        if args.schema:
            try:
                with open(args.schema, encoding="utf-8") as f:
                    schema_json = json.load(f)
            except (OSError, ValueError) as e:
                raise BadInput("%s: cannot read the schema (%s)" % (args.schema, e))
        try:
            schema = avro.schema.parse(json.dumps(schema_json))
        except Exception as e:  # noqa: BLE001 - avro raises several types
            raise BadInput("%s: not an Avro schema (%s)" % (args.schema, e))
        if schema.fullname != "io.igdstream.schemas.ImageSample":
            raise BadInput("%s: schema is %s, expected io.igdstream.schemas.ImageSample"
                           % (args.schema, schema.fullname))
        header = single_object_header(schema_json)
        if args.print_header:
            print(" ".join("%02X" % b for b in header))
            return 0
        if args.partitions < 1:
            raise BadInput("--partitions must be >= 1, was %d" % args.partitions)

        if args.folder:
            splits, class_names, c, h, w = read_folder(args.folder)
            dataset = args.dataset or "folder:" + args.folder
        else:
            splits, class_names, c, h, w = read_npz(args.npz)
            dataset = args.dataset or "npz:" + args.npz
        classes = len(class_names)
        total = sum(len(v) for v in splits.values())
        if total == 0:
            raise BadInput("no images in the input")
        for split in ("TRAIN", "TEST"):
            for _, label in splits[split]:
                if not 0 <= label < classes:
                    raise BadInput("label %d outside [0, %d)" % (label, classes))
    except BadInput as e:
        print("produce_images.py: error: %s" % e, file=sys.stderr)
        return 2

    import numpy as np
    from confluent_kafka import KafkaException, Producer
    topic = args.topic_prefix + ".samples"
    try:
        if not args.no_create_topic:
            ensure_topic(args.bootstrap_servers, topic, args.partitions, args.timeout)
        skip = existing_ids(args.bootstrap_servers, topic, args.timeout)
        producer = Producer({
            "bootstrap.servers": args.bootstrap_servers,
            "partitioner": "murmur2_random",  # the Java client's choice for keyed records
            "enable.idempotence": True,
            "acks": "all",
            "linger.ms": 20,
            "message.max.bytes": MAX_MESSAGE_BYTES,
        })
        failures = []

        def delivered(err, _msg):
            if err is not None:
                failures.append(str(err))

        writer = avro.io.DatumWriter(schema)
        print("%s: %d images (%s), %d classes, %dx%dx%d -> %s at %s; header %s"
              % (dataset, total, ", ".join("%s %d" % (s.lower(), len(v)) for s, v in splits.items()),
                 classes, c, h, w, topic, args.bootstrap_servers, header.hex().upper()),
              file=sys.stderr)
        start = last = time.time()
        written = skipped = 0
        for split in ("TRAIN", "TEST"):
            for index, (pixels, label) in enumerate(splits[split]):
                key = sample_id(split, index)
                if key in skip:
                    skipped += 1
                    continue
                a = np.asarray(pixels)
                data = (a.astype("<f4") / np.float32(255) if a.dtype == np.uint8
                        else a.astype("<f4")).tobytes()
                body = io.BytesIO()
                writer.write({"id": key, "split": split, "label": int(label), "classes": classes,
                              "image": {"shape": [c, h, w], "data": data}, "dataset": dataset,
                              "class_names": class_names},
                             avro.io.BinaryEncoder(body))
                while True:
                    try:
                        producer.produce(topic, key=key.encode("utf-8"),
                                         value=header + body.getvalue(), on_delivery=delivered)
                        break
                    except BufferError:  # local queue full: let deliveries drain
                        producer.poll(0.5)
                producer.poll(0)
                written += 1
                now = time.time()
                if now - last >= 1.0:
                    last = now
                    print("sent %d/%d (%.0f records/s)" % (written + skipped, total,
                                                           written / max(now - start, 1e-9)),
                          file=sys.stderr)
                if failures:
                    raise KafkaException(failures[0])
        remaining = producer.flush(max(args.timeout, 1.0) * 4)
        if remaining or failures:
            raise KafkaException(failures[0] if failures else "%d records undelivered" % remaining)
        elapsed = time.time() - start
        print("done: wrote %d, skipped %d already on %s, in %.1f s (%.0f records/s)"
              % (written, skipped, topic, elapsed, written / max(elapsed, 1e-9)), file=sys.stderr)
        return 0
    except (KafkaException, RuntimeError) as e:
        print("produce_images.py: kafka: %s" % str(e).replace("\n", " "), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
