import { createContext, useContext, type ReactNode } from 'react'
import type { FileTransfer } from './file-transfer.ts'

const FileTransferContext = createContext<FileTransfer | undefined>(undefined)

/** Makes `transfer` the way this window moves tenant export files. */
export function FileTransferProvider({ transfer, children }: { transfer: FileTransfer | undefined; children: ReactNode }) {
  return <FileTransferContext.Provider value={transfer}>{children}</FileTransferContext.Provider>
}

/** The window's file transfer, or undefined where there is none (export and import are then not offered). */
export function useFileTransfer(): FileTransfer | undefined {
  return useContext(FileTransferContext)
}
