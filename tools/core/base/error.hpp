// Errors that stop a command. Bad rows are findings (issue.hpp), not errors.
#pragma once
#include <stdexcept>
#include <string>

namespace cleanheat {

class Error : public std::runtime_error {
public:
    Error(const std::string& message, std::string hint = {}) : std::runtime_error(message), hint_(std::move(hint)) {}
    const std::string& hint() const { return hint_; }
    virtual int exit_code() const = 0;

private:
    std::string hint_;
};

// Exit codes, documented in docs/exit-codes.md.
enum ExitCode : int {
    kExitOk = 0,
    kExitRowsRejected = 1,
    kExitUsage = 2,
    kExitInput = 3,
    kExitOutput = 4,
    kExitInternal = 5,
    kExitInterrupted = 130,
};

class UsageError : public Error {
public:
    using Error::Error;
    int exit_code() const override { return kExitUsage; }
};

class InputError : public Error {
public:
    using Error::Error;
    int exit_code() const override { return kExitInput; }
};

class OutputError : public Error {
public:
    using Error::Error;
    int exit_code() const override { return kExitOutput; }
};

class Cancelled : public Error {
public:
    Cancelled() : Error("interrupted") {}
    int exit_code() const override { return kExitInterrupted; }
};

}  // namespace cleanheat
