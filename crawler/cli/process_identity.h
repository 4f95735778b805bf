// Names this process in a way that survives PID reuse and reboots, so that a
// lock left in the store by a crashed process can be recognised as stale.
#pragma once

#include <string>

namespace forager {

// "BOOT_ID/PID/START_TIME" of the calling process.
std::string current_process_identity();
// True while the process named by `identity` is still running.
bool process_identity_alive(const std::string& identity);
// The PID part of an identity (0 if malformed), for messages.
int process_identity_pid(const std::string& identity);

}  // namespace forager
