// The initramfs's only program: what a Linux guest sees of its HPET, printed to the console,
// then power off. Sections start with "== "; the last line is END_MARKER, which the host waits
// for. Built static for i386: gcc -m32 -static -std=c11 -O2 -Wall -Wextra init.c -o init

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define END_MARKER "== end of guest report =="
#define SLEEP_SECONDS 2

// ACPI "HPET" table layout (IA-PC HPET 1.0a, 3.2.4): offsets in bytes.
#define TABLE_LENGTH 4
#define EVENT_TIMER_BLOCK_ID 36
#define BASE_ADDRESS_GAS 40 // Generic Address Structure: space id, width, offset, access, u64 address
#define GAS_ADDRESS 4
#define HPET_NUMBER 52
#define MIN_CLOCK_TICK 53
#define PAGE_PROTECTION 55
#define HPET_TABLE_SIZE 56

// syslog(2) actions (the C library names none of them).
#define SYSLOG_ACTION_READ_ALL 3
#define SYSLOG_ACTION_SIZE_BUFFER 10

static void mount_or_warn(const char *source, const char *target, const char *type) {
  mkdir(target, 0755);
  if (mount(source, target, type, 0, NULL) != 0 && errno != EBUSY) {
    printf("warning: mount %s on %s: %s\n", type, target, strerror(errno));
  }
}

static void print_file(const char *path) {
  FILE *file = fopen(path, "r");
  if (file == NULL) {
    printf("(cannot read %s: %s)\n", path, strerror(errno));
    return;
  }
  char line[512];
  while (fgets(line, sizeof line, file) != NULL) fputs(line, stdout);
  fclose(file);
}

static uint32_t le32(const unsigned char *bytes) {
  return (uint32_t)bytes[0] | (uint32_t)bytes[1] << 8 | (uint32_t)bytes[2] << 16 | (uint32_t)bytes[3] << 24;
}

static void hpet_table(void) {
  puts("== ACPI HPET table (/sys/firmware/acpi/tables/HPET) ==");
  unsigned char table[HPET_TABLE_SIZE];
  FILE *file = fopen("/sys/firmware/acpi/tables/HPET", "rb");
  size_t length = file == NULL ? 0 : fread(table, 1, sizeof table, file);
  if (file != NULL) fclose(file);
  if (length < HPET_TABLE_SIZE || memcmp(table, "HPET", 4) != 0) {
    puts("no HPET table");
    return;
  }
  uint32_t id = le32(table + EVENT_TIMER_BLOCK_ID);
  uint64_t base = le32(table + BASE_ADDRESS_GAS + GAS_ADDRESS)
    | (uint64_t)le32(table + BASE_ADDRESS_GAS + GAS_ADDRESS + 4) << 32;
  printf("length %u, OEM \"%.6s\"\n", (unsigned)le32(table + TABLE_LENGTH), (const char *)table + 10);
  printf("event timer block ID 0x%08x: vendor 0x%04x, revision %u, %u comparators, %s counter, legacy replacement %s\n",
    (unsigned)id, (unsigned)(id >> 16), (unsigned)(id & 0xff), (unsigned)((id >> 8) & 0x1f) + 1,
    (id >> 13) & 1 ? "64-bit" : "32-bit", (id >> 15) & 1 ? "capable" : "not capable");
  printf("base address 0x%llx (address space %u), HPET number %u, minimum tick %u, page protection %u\n",
    (unsigned long long)base, (unsigned)table[BASE_ADDRESS_GAS], (unsigned)table[HPET_NUMBER],
    (unsigned)(table[MIN_CLOCK_TICK] | table[MIN_CLOCK_TICK + 1] << 8), (unsigned)table[PAGE_PROTECTION]);
}

// Kernel log lines that mention the HPET, read like dmesg does.
static void kernel_messages(void) {
  puts("== kernel messages about the HPET (dmesg | grep -i hpet) ==");
  int size = klogctl(SYSLOG_ACTION_SIZE_BUFFER, NULL, 0);
  if (size <= 0) size = 1 << 20;
  char *log = malloc((size_t)size + 1);
  if (log == NULL) return;
  int length = klogctl(SYSLOG_ACTION_READ_ALL, log, size);
  if (length < 0) length = 0;
  log[length] = '\0';
  for (char *line = strtok(log, "\n"); line != NULL; line = strtok(NULL, "\n")) {
    if (strcasestr(line, "hpet") == NULL) continue;
    if (line[0] == '<') line = strchr(line, '>') != NULL ? strchr(line, '>') + 1 : line; // "<6>": the level
    puts(line);
  }
  free(log);
}

static void clock_devices(void) {
  puts("== clocksource ==");
  fputs("current: ", stdout);
  print_file("/sys/devices/system/clocksource/clocksource0/current_clocksource");
  fputs("available: ", stdout);
  print_file("/sys/devices/system/clocksource/clocksource0/available_clocksource");

  puts("== clock event devices ==");
  DIR *dir = opendir("/sys/devices/system/clockevents");
  struct dirent *entry;
  while (dir != NULL && (entry = readdir(dir)) != NULL) {
    if (strncmp(entry->d_name, "clockevent", 10) != 0) continue;
    char path[320];
    snprintf(path, sizeof path, "/sys/devices/system/clockevents/%s/current_device", entry->d_name);
    printf("%s: ", entry->d_name);
    print_file(path);
  }
  if (dir != NULL) closedir(dir);

  // /proc/timer_list: "Broadcast device" then "Clock Event Device: NAME".
  fputs("broadcast device: ", stdout);
  FILE *file = fopen("/proc/timer_list", "r");
  char line[512];
  int in_broadcast = 0;
  const char *found = "(none)\n";
  while (file != NULL && fgets(line, sizeof line, file) != NULL) {
    if (strncmp(line, "Broadcast device", 16) == 0) in_broadcast = 1;
    else if (in_broadcast && strncmp(line, "Clock Event Device: ", 20) == 0) {
      found = line + 20;
      break;
    }
  }
  fputs(found, stdout);
  if (file != NULL) fclose(file);
}

static int64_t monotonic_ns(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

int main(void) {
  mount_or_warn("proc", "/proc", "proc");
  mount_or_warn("sysfs", "/sys", "sysfs");
  mount_or_warn("devtmpfs", "/dev", "devtmpfs");
  setvbuf(stdout, NULL, _IOLBF, 0);

  puts("== guest report ==");
  hpet_table();
  kernel_messages();
  clock_devices();

  puts("== /proc/interrupts before the sleep ==");
  print_file("/proc/interrupts");
  int64_t start = monotonic_ns();
  struct timespec sleep_time = { .tv_sec = SLEEP_SECONDS, .tv_nsec = 0 };
  while (nanosleep(&sleep_time, &sleep_time) != 0 && errno == EINTR) {}
  int64_t end = monotonic_ns();
  puts("== /proc/interrupts after the sleep ==");
  print_file("/proc/interrupts");
  puts("== CLOCK_MONOTONIC over the sleep ==");
  printf("slept %d s: CLOCK_MONOTONIC advanced %lld ns\n", SLEEP_SECONDS, (long long)(end - start));

  puts(END_MARKER);
  fflush(stdout);
  sync();
  reboot(RB_POWER_OFF);
  // Power off failed (no ACPI sleep support): stay here, the host stops at the marker.
  for (;;) pause();
}
