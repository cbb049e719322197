import type { Metadata } from "next";
import "./globals.css";

export const metadata: Metadata = {
  title: "Replica",
  description: "A page cloned by Replica",
};

export default function RootLayout({
  children,
}: Readonly<{
  children: React.ReactNode;
}>) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
