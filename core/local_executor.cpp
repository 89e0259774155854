#include "local_executor.hpp"
