import "./globals.css";

export const metadata = {
  title: "Replica",
  description: "A page cloned by Replica",
};

export default function RootLayout({ children }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
