package io.igdstream.app.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProgressTest {

  private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
  private final Log log = new Log(new PrintStream(printed, true, StandardCharsets.UTF_8));
  private long now = 0;

  private Progress lines(long total, long done, Duration every) {
    return new Progress("task", total, done, "img", log, null, every, () -> now);
  }

  private List<String> lines() {
    return Arrays.stream(printed.toString(StandardCharsets.UTF_8).split("\\R"))
        .filter(l -> !l.isBlank())
        .toList();
  }

  private void at(double seconds) {
    now = (long) (seconds * 1e9);
  }

  @Test
  void aLowerCountNeverMovesTheProgressBack() {
    try (Progress p = lines(100, 0, Duration.ofSeconds(15))) {
      at(1);
      p.stepTo(50, "");
      at(2);
      p.stepTo(30, "");
      assertEquals(50, p.done());
      assertTrue(p.line().startsWith("task 50% 50/100 img"), p.line());
    }
  }

  @Test
  void rateAndEtaCountOnlyWhatWasDoneSinceTheStart() {
    // resumed at 100 of 1100: 200 more in 10 s is 20/s, and 800 left take 40 s
    try (Progress p = lines(1100, 100, Duration.ofSeconds(15))) {
      at(10);
      p.stepTo(300, "epoch 1/3");
      assertEquals(20.0, p.rate(), 1e-9);
      assertEquals("task 27% 300/1100 img, 20 img/s, ETA 40 s | epoch 1/3", p.line());
    }
  }

  @Test
  void aTaskOfLessThanASecondHasARate() {
    try (Progress p = lines(10, 0, Duration.ofSeconds(15))) {
      at(0.25);
      p.stepTo(4, "");
      at(0.5);
      p.stepTo(10, "");
      assertEquals(20.0, p.rate(), 1e-9);
    }
  }

  @Test
  void theRateIsMeasuredOverTheLastMinute() {
    try (Progress p = lines(100_000, 0, Duration.ofSeconds(15))) {
      at(1);
      p.stepTo(10_000, ""); // a fast first second
      for (int s = 2; s <= 121; s++) {
        at(s);
        p.stepTo(10_000 + 5L * (s - 1), ""); // then 5/s for two minutes
      }
      assertEquals(5.0, p.rate(), 1e-9);
    }
  }

  @Test
  void statusLinesComeOncePerIntervalAndOnceMoreAtClose() {
    Progress p = lines(100, 0, Duration.ofSeconds(15));
    for (int s = 1; s <= 40; s++) {
      at(s);
      p.stepTo(s, "");
    }
    p.close();
    p.close();
    List<String> lines = lines();
    assertEquals(3, lines.size(), lines.toString()); // at 15 s, at 30 s, at close
    assertTrue(lines.get(0).contains("task 15% 15/100 img"), lines.get(0));
    assertTrue(lines.get(1).contains("task 30% 30/100 img"), lines.get(1));
    assertTrue(lines.get(2).contains("task 40% 40/100 img"), lines.get(2));
  }

  @Test
  void aFinishedTaskSaysDoneInsteadOfAnEta() {
    try (Progress p = lines(10, 0, Duration.ofSeconds(15))) {
      at(5);
      p.stepTo(10, "");
      assertTrue(p.line().endsWith("10/10 img, 2.00 img/s, done"), p.line());
    }
  }

  @Test
  void durationsReadAsSecondsMinutesOrHours() {
    assertEquals("40 s", Progress.duration(40));
    assertEquals("7.5 min", Progress.duration(450));
    assertEquals("2.0 h", Progress.duration(7200));
  }
}
