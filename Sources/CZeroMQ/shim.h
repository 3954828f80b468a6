#ifndef EVOD_CZEROMQ_SHIM_H
#define EVOD_CZEROMQ_SHIM_H
#include <zmq.h>
#endif
